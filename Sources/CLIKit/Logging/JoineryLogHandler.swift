import Foundation
import Logging

/// The swift-log handler of `teleport` and `tctl`: one line per event, text or JSON
/// (``LogLineFormatter``), written to a ``LogSink`` (stderr by default).
///
/// A value type as swift-log requires: changing one logger's level or metadata never
/// affects another logger.
public struct JoineryLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let format: LogFormat
    private let sink: LogSink
    private let now: @Sendable () -> Date

    public init(label: String, level: Logger.Level = .info, format: LogFormat = .text, sink: LogSink = .standardError,
                metadataProvider: Logger.MetadataProvider? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
        self.metadataProvider = metadataProvider
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let eventMetadata = event.metadata {
            merged.merge(eventMetadata) { _, new in new }
        }
        let record = LogRecord(time: now(), level: event.level, component: label, message: event.message.description,
                               metadata: merged, error: event.error.map { String(describing: $0) })
        sink.write(line: LogLineFormatter.line(record, format: format))
    }
}
