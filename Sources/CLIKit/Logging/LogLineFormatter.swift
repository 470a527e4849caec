import Foundation
import Logging

/// Turns a ``LogRecord`` into one line, in the format `teleport.log.format.output` chose.
///
/// Text is for people reading a terminal or `journalctl`:
/// `2026-11-21T05:40:00Z INFO [auth] token created role=Node token=******ab12`.
/// JSON is for log shippers: one object per line with `time`, `level`, `component`,
/// `message`, and `metadata` (nested, so a metadata key can never overwrite a fixed one).
public enum LogLineFormatter {
    public static func line(_ record: LogRecord, format: LogFormat) -> String {
        switch format {
        case .text: return text(record)
        case .json: return json(record)
        }
    }

    public static func text(_ record: LogRecord) -> String {
        var line = "\(timestamp(record.time)) \(levelName(record.level)) [\(record.component)] \(record.message)"
        for key in record.metadata.keys.sorted() {
            line += " \(key)=\(textValue(record.metadata[key]!))"
        }
        if let error = record.error {
            line += " error=\(quotedIfNeeded(error))"
        }
        return line
    }

    public static func json(_ record: LogRecord) -> String {
        var object: [String: Any] = [
            "time": timestamp(record.time),
            "level": levelName(record.level).lowercased(),
            "component": record.component,
            "message": record.message,
        ]
        if !record.metadata.isEmpty {
            object["metadata"] = record.metadata.mapValues(jsonValue)
        }
        if let error = record.error { object["error"] = error }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let line = String(data: data, encoding: .utf8) else {
            // Unreachable for the value types above; never drop a log line silently.
            return "{\"level\":\"error\",\"message\":\"unencodable log line\"}"
        }
        return line
    }

    /// `2026-11-21T05:40:00Z`: UTC, second precision, as Teleport prints.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Teleport's level names, upper case.
    public static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .notice: return "NOTICE"
        case .warning: return "WARN"
        case .error: return "ERROR"
        case .critical: return "CRITICAL"
        }
    }

    private static func textValue(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return quotedIfNeeded(text)
        case .stringConvertible(let convertible): return quotedIfNeeded(convertible.description)
        default: return quotedIfNeeded(value.description)
        }
    }

    private static func quotedIfNeeded(_ text: String) -> String {
        let plain = !text.isEmpty && !text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline || $0 == "\t" }
        if plain { return text }
        let escaped = text
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }

    private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(jsonValue)
        case .dictionary(let values): return values.mapValues(jsonValue)
        }
    }
}
