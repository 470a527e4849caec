import Foundation

/// Any JSON or YAML value, kept as written. Method-specific token sections (`bound_keypair`,
/// ...) and plugin settings travel through the core as `JSONValue` and are decoded by the plugin
/// that owns them, so the core never has to know a method's schema.
public enum JSONValue: Sendable, Equatable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var object: [String: JSONValue] = [:]
            for key in keyed.allKeys {
                object[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !unkeyed.isAtEnd { array.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(array)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let value = try? single.decode(Bool.self) { self = .bool(value) }
        else if let value = try? single.decode(Double.self) {
            // A YAML scalar such as 0123, 12e45 or a 20-digit secret also reads as a number,
            // losing what was written; keep those as the text.
            if let text = try? single.decode(String.self), !Self.isPlainNumber(text) {
                self = .string(text)
            } else {
                self = .number(value)
            }
        }
        else { self = .string(try single.decode(String.self)) }
    }

    /// True for `-?digits(.digits)?` without a leading zero and with at most 15 significant
    /// digits: numbers a `Double` holds exactly as written.
    static func isPlainNumber(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            return false
        }
        if parts[0].count > 1 && parts[0].first == "0" { return false }
        return parts.reduce(0) { $0 + $1.count } <= 15
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let v):
            var c = encoder.singleValueContainer(); try c.encode(v)
        case .number(let v):
            var c = encoder.singleValueContainer()
            if v.rounded() == v, abs(v) < 1e15 { try c.encode(Int64(v)) } else { try c.encode(v) }
        case .string(let v):
            var c = encoder.singleValueContainer(); try c.encode(v)
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for v in values { try c.encode(v) }
        case .object(let object):
            var c = encoder.container(keyedBy: AnyCodingKey.self)
            for key in object.keys.sorted() { try c.encode(object[key]!, forKey: AnyCodingKey(key)) }
        }
    }

    /// Decodes this value as `T`, naming `path` (e.g. `spec.bound_keypair`) in any error.
    public func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        do {
            let data = try JSONEncoder().encode(self)
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw JoinError.badParameter("\(path): \(DecodingErrorDescription.describe(error))")
        }
    }

    /// Decodes this value, found at `path` of a larger document (`["spec", "allow"]`), as `T`.
    /// Errors read exactly as if the whole document had been decoded in one go
    /// (`unknown field "spec.allow[0].aws_acount"`), so a section a method decodes late is
    /// refused in the same words as the fields the core decodes.
    public func decode<T: Decodable>(_ type: T.Type, at path: [String]) throws -> T {
        var document = self
        for key in path.reversed() { document = .object([key: document]) }
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[NestedSection<T>.pathKey] = path
            return try decoder.decode(NestedSection<T>.self, from: try JSONEncoder().encode(document)).value
        } catch let error as JoinError {
            // A value's own parser (a duration, a time) does not know where it was written.
            throw JoinError.badParameter("\(path.joined(separator: ".")): \(error.message)")
        } catch {
            throw JoinError.badParameter(DecodingErrorDescription.describe(error))
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}

extension JSONValue {
    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Encodes `value` (any `Encodable`) as a `JSONValue`.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
    }
}

/// Walks `path` down a wrapped document, then decodes `T` where the section sits, so coding
/// paths in errors start at the document's root.
private struct NestedSection<T: Decodable>: Decodable {
    static var pathKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "joinery.sectionPath")! }
    let value: T

    init(from decoder: Decoder) throws {
        let path = decoder.userInfo[Self.pathKey] as? [String] ?? []
        let depth = decoder.codingPath.count
        guard depth < path.count else {
            value = try T(from: decoder)
            return
        }
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        value = try container.decode(NestedSection<T>.self, forKey: AnyCodingKey(path[depth])).value
    }
}
