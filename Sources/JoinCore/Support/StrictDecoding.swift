import Foundation

/// A coding key made from any string, for walking maps whose keys are not known in advance.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(_ string: String) { self.stringValue = string; self.intValue = nil }
    public init?(stringValue: String) { self.init(stringValue) }
    public init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

/// Thrown when a config file or resource holds a key we do not know. Strict parsing turns a
/// misspelt `ca_pins:` into an error naming the field, instead of a silently ignored setting.
public struct UnknownFieldError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public var description: String { "unknown field \"\(path)\"" }
}

extension Decoder {
    /// Fails with ``UnknownFieldError`` when the map being decoded has a key outside `allowed`.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws {
        guard let container = try? container(keyedBy: AnyCodingKey.self) else { return }
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw UnknownFieldError(path: CodingPathText.dotted(codingPath + [key]))
        }
    }
}

extension Decoder {
    /// The map's entries whose keys are not in `known`, as written (a `null` is no entry): the
    /// sections join methods own in a token's `spec`, `teleport.join_params` and tbot's
    /// `onboarding`.
    public func methodSections(excluding known: Set<String>) throws -> [String: JSONValue] {
        let all = try container(keyedBy: AnyCodingKey.self)
        var sections: [String: JSONValue] = [:]
        for key in all.allKeys where !known.contains(key.stringValue) {
            let value = try all.decode(JSONValue.self, forKey: key)
            if value != .null { sections[key.stringValue] = value }
        }
        return sections
    }
}

/// Renders coding paths the way a person reads a YAML file: `teleport.join_params.method`,
/// `spec.allow[0].aws_account`.
public enum CodingPathText {
    public static func dotted(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}

/// Turns decoder errors into one line that names the field and what was wrong with it.
public enum DecodingErrorDescription {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as UnknownFieldError:
            return error.description
        case let error as JoinError:
            return error.message
        case let DecodingError.keyNotFound(key, context):
            return "missing field \"\(CodingPathText.dotted(context.codingPath + [key]))\""
        case let DecodingError.typeMismatch(type, context):
            return "field \"\(CodingPathText.dotted(context.codingPath))\": expected \(typeName(type))"
        case let DecodingError.valueNotFound(type, context):
            return "field \"\(CodingPathText.dotted(context.codingPath))\": expected \(typeName(type)), found nothing"
        case let DecodingError.dataCorrupted(context):
            let path = CodingPathText.dotted(context.codingPath)
            let reason = context.underlyingError.map { describe($0) } ?? context.debugDescription
            return path.isEmpty ? reason : "field \"\(path)\": \(reason)"
        default:
            return String(describing: error)
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a map" }
            return name
        }
    }
}
