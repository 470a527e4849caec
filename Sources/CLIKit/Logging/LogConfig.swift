import JoinCore
import Logging

/// `teleport.log`: where logs go, how much, and in which shape.
public struct LogConfig: Sendable, Equatable, Decodable {
    public var output: LogDestination
    public var severity: LogSeverity
    public var format: LogFormat

    public init(output: LogDestination = .standardError, severity: LogSeverity = .info, format: LogFormat = .text) {
        self.output = output
        self.severity = severity
        self.format = format
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case output, severity, format
    }

    private struct FormatSection: Decodable {
        var output: LogFormat
        enum CodingKeys: String, CodingKey, CaseIterable { case output }
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            output = try c.decodeIfPresent(LogFormat.self, forKey: .output) ?? .text
        }
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        output = try c.decodeIfPresent(LogDestination.self, forKey: .output) ?? .standardError
        severity = try c.decodeIfPresent(LogSeverity.self, forKey: .severity) ?? .info
        format = try c.decodeIfPresent(FormatSection.self, forKey: .format)?.output ?? .text
    }
}

/// `teleport.log.severity`: ERROR, WARN, INFO (default) or DEBUG, in any case.
public enum LogSeverity: String, Sendable, Equatable, CaseIterable, Decodable {
    case error = "ERROR"
    case warn = "WARN"
    case info = "INFO"
    case debug = "DEBUG"

    /// Parses a severity; accepts `warning` and `err` as Teleport does.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces).uppercased() {
        case "ERROR", "ERR": self = .error
        case "WARN", "WARNING": self = .warn
        case "INFO": self = .info
        case "DEBUG", "TRACE": self = .debug
        default: return nil
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let severity = LogSeverity(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c,
                debugDescription: "unknown severity \"\(text)\"; use ERROR, WARN, INFO or DEBUG")
        }
        self = severity
    }

    /// The swift-log level that shows this severity and everything more severe.
    public var loggerLevel: Logger.Level {
        switch self {
        case .error: return .error
        case .warn: return .warning
        case .info: return .info
        case .debug: return .debug
        }
    }
}

/// `teleport.log.format.output`: human-readable text (default) or one JSON object per line.
public enum LogFormat: String, Sendable, Equatable, CaseIterable, Decodable {
    case text
    case json

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw DecodingError.dataCorruptedError(in: c,
                debugDescription: "unknown log format \"\(text)\"; use text or json")
        }
        self = format
    }
}

/// `teleport.log.output`: `stderr` (default), `stdout`, or an absolute file path.
public enum LogDestination: Sendable, Equatable, Decodable {
    case standardError
    case standardOutput
    case file(String)

    public init?(parsing text: String) {
        switch text.lowercased() {
        case "", "stderr", "error", "2": self = .standardError
        case "stdout", "out", "1": self = .standardOutput
        default:
            guard text.hasPrefix("/") else { return nil }
            self = .file(text)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let destination = LogDestination(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c,
                debugDescription: "unsupported log output \"\(text)\"; use stderr, stdout or an absolute file path")
        }
        self = destination
    }

    /// The spelling used in teleport.yaml.
    public var configText: String {
        switch self {
        case .standardError: return "stderr"
        case .standardOutput: return "stdout"
        case .file(let path): return path
        }
    }
}
