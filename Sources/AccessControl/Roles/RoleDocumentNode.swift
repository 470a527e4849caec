import Foundation
import JoinCore
import Yams

/// A role document as a plain tree, whether it was written as YAML or JSON.
///
/// The reader walks this tree instead of decoding with `Codable` so that every error can name
/// the field in the document's own words (`spec.allow.logins must be a list of strings`), and
/// so that YAML scalars keep the text that was written: a login `0123` or a label value `yes`
/// stays that string, where a typed decoder would have turned it into a number or a boolean.
enum RoleDocumentNode: Equatable {
    case null
    /// A scalar; `isText` is false for JSON numbers and booleans, which are not strings.
    case scalar(String, isText: Bool)
    case list([RoleDocumentNode])
    case map([String: RoleDocumentNode])

    /// The largest document accepted, in bytes. A role is a few hundred bytes; the bound keeps
    /// a hostile or mistaken upload from costing the Auth server memory and time.
    static let maximumDocumentSize = 64 * 1024

    /// The most nodes one document may expand to. YAML aliases let a 64 KiB document stand for
    /// a tree many times larger; the walk stops at this many.
    static let maximumNodeCount = 20_000

    /// Parses YAML or JSON (a document whose first character is `{` is read as JSON first, then
    /// as a YAML flow mapping).
    static func parse(_ data: Data) throws -> RoleDocumentNode {
        guard data.count <= maximumDocumentSize else {
            throw JoinError.badParameter(
                "role: the document is \(data.count) bytes; a role document may be at most \(maximumDocumentSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JoinError.badParameter("role: the document is not UTF-8 text")
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard !trimmed.isEmpty else { throw JoinError.badParameter("role: the document is empty") }
        var budget = maximumNodeCount
        if trimmed.first == "{" {
            do {
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8))
                return try RoleDocumentNode(json: value, budget: &budget)
            } catch let jsonError where !(jsonError is JoinError) {
                // Not JSON; perhaps a YAML flow mapping (`{kind: role, ...}`). If YAML cannot read
                // it either, the JSON error is the one that helps.
                guard let root = try? Yams.compose(yaml: text) else {
                    throw JoinError.badParameter("role: malformed JSON: \(jsonErrorText(jsonError))")
                }
                return try RoleDocumentNode(yaml: root, budget: &budget)
            }
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw JoinError.badParameter("role: malformed YAML: \(yamlErrorText(error))")
        }
        guard let root else { throw JoinError.badParameter("role: the document is empty") }
        return try RoleDocumentNode(yaml: root, budget: &budget)
    }

    init(json value: JSONValue, budget: inout Int) throws {
        try Self.spend(&budget)
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .scalar(flag ? "true" : "false", isText: false)
        case .number(let number):
            let text = number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            self = .scalar(text, isText: false)
        case .string(let text): self = .scalar(text, isText: true)
        case .array(let values): self = .list(try values.map { try RoleDocumentNode(json: $0, budget: &budget) })
        case .object(let object): self = .map(try object.mapValues { try RoleDocumentNode(json: $0, budget: &budget) })
        }
    }

    init(yaml node: Node, budget: inout Int) throws {
        try Self.spend(&budget)
        switch node {
        case .scalar(let scalar):
            // A plain `~`, `null` or empty scalar is YAML's null; a quoted one is a string.
            if scalar.style == .plain, node.null != nil {
                self = .null
            } else {
                self = .scalar(scalar.string, isText: true)
            }
        case .sequence(let sequence):
            self = .list(try sequence.map { try RoleDocumentNode(yaml: $0, budget: &budget) })
        case .mapping(let mapping):
            var entries: [String: RoleDocumentNode] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw JoinError.badParameter("role: map keys must be strings (line \((key.mark?.line).map(String.init) ?? "?"))")
                }
                entries[keyScalar.string] = try RoleDocumentNode(yaml: value, budget: &budget)
            }
            self = .map(entries)
        case .alias:
            // Yams resolves aliases while composing; an unresolved one is a malformed document.
            throw JoinError.badParameter("role: malformed YAML: unresolved alias")
        }
    }

    private static func spend(_ budget: inout Int) throws {
        budget -= 1
        guard budget >= 0 else {
            throw JoinError.badParameter("role: the document expands to more than \(maximumNodeCount) values (check YAML aliases)")
        }
    }

    private static func yamlErrorText(_ error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return String(describing: error) }
        switch yamlError {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case let .duplicatedKeysInMapping(duplicates, context):
            return "duplicate key \(duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")) at line \(context.mark.line)"
        default:
            return String(describing: yamlError)
        }
    }

    private static func jsonErrorText(_ error: any Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            let underlying = context.underlyingError.map { ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "" } ?? ""
            return underlying.isEmpty ? context.debugDescription : underlying
        }
        return String(describing: error)
    }

    /// A short name of this node's shape, for "found …" in errors.
    var shapeName: String {
        switch self {
        case .null: return "nothing"
        case .scalar(_, let isText): return isText ? "a string" : "a number or boolean"
        case .list: return "a list"
        case .map: return "a map"
        }
    }
}
