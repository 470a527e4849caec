import Logging
import Synchronization

/// Collects log lines (message, then the metadata sorted as `key=value`) for assertions:
/// `Logger(label: "test") { _ in records }`.
public final class RecordedLogs: LogHandler, @unchecked Sendable {
    private let stored = Mutex<[String]>([])
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init() {}

    public var lines: [String] { stored.withLock { $0 } }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        stored.withLock { $0.append("\(message) \(fields)") }
    }
}
