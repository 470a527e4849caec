import Foundation
import Logging

/// One log line before formatting: everything a ``LogLineFormatter`` needs, as plain values,
/// so formatting is a pure function tests can call directly.
public struct LogRecord: Sendable {
    public var time: Date
    public var level: Logger.Level
    /// The logger's label, shown as the component (`auth`, `join`, `agent`).
    public var component: String
    public var message: String
    public var metadata: Logger.Metadata
    /// The error attached to the event, if any, as text.
    public var error: String?

    public init(time: Date, level: Logger.Level, component: String, message: String,
                metadata: Logger.Metadata = [:], error: String? = nil) {
        self.time = time
        self.level = level
        self.component = component
        self.message = message
        self.metadata = metadata
        self.error = error
    }
}
