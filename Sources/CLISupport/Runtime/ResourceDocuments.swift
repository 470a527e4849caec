import Foundation
import JoinCore
import Yams

/// Resource files for `tctl create` and output for `tctl get`: YAML or JSON documents, read
/// strictly, written in Teleport's shapes (JSON as a list).
public enum ResourceDocuments {
    private struct Envelope: Decodable { var kind: String? }

    /// The kinds `tctl create` accepts.
    public static let supportedKinds = ["bot", "lock", "role", "token", "user"]

    /// One document of a resource file, in the JSON form the Auth server takes.
    public struct Document: Sendable {
        public var kind: String
        public var name: String
        public var json: Data
        /// Set for `kind: token`, which tctl checks locally before sending.
        public var token: ProvisionToken?
        /// Where it came from, for error messages (`file (document 2)`).
        public var place: String
    }

    /// Parses every document of a YAML (or JSON) file, naming the file and the field in any
    /// error. Tokens are decoded strictly here; other kinds are checked by the Auth server.
    public static func documents(fromFile path: String) throws -> [Document] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw JoinError.badParameter("\(path): cannot read the file")
        }
        return try documents(fromText: text, path: path)
    }

    /// Parses the documents of `text`, read from `path` (which only names it in errors).
    package static func documents(fromText text: String, path: String) throws -> [Document] {
        var result: [Document] = []
        let documents = try splitDocuments(text, path: path)
        guard !documents.isEmpty else { throw JoinError.badParameter("\(path): the file holds no resource") }
        for (index, document) in documents.enumerated() {
            let place = documents.count > 1 ? "\(path) (document \(index + 1))" : path
            let value: JSONValue
            do {
                value = try YAMLDecoder().decode(JSONValue.self, from: document)
            } catch {
                throw JoinError.badParameter("\(place): \(DecodingErrorDescription.describe(error))")
            }
            guard let kind = value["kind"]?.stringValue else { throw JoinError.badParameter("\(place): missing field \"kind\"") }
            guard supportedKinds.contains(kind) else {
                throw JoinError.badParameter(
                    "\(place): resource kind \"\(kind)\" is not supported; supported kinds: \(supportedKinds.joined(separator: ", "))")
            }
            var token: ProvisionToken?
            if kind == "token" {
                do {
                    token = try YAMLDecoder().decode(ProvisionToken.self, from: document)
                } catch {
                    throw JoinError.badParameter("\(place): \(DecodingErrorDescription.describe(error))")
                }
            }
            let json = token.map { try? JSONEncoder().encode($0) } ?? (try? JSONEncoder().encode(value))
            result.append(Document(
                kind: kind, name: value["metadata"]?["name"]?.stringValue ?? "", json: json ?? Data(), token: token, place: place))
        }
        return result
    }

    /// The tokens of a resource file (every document must be a token).
    public static func tokens(fromFile path: String) throws -> [ProvisionToken] {
        try documents(fromFile: path).map { document in
            guard let token = document.token else {
                throw JoinError.badParameter("\(document.place): expected kind token, found \(document.kind)")
            }
            return token
        }
    }

    /// Splits on `---` lines; YAML syntax errors name the line.
    ///
    /// The syntax check composes nodes and builds no values: Yams' `load_all` force-unwraps a
    /// mapping key that is not a scalar (`[? {a}]`) and would crash tctl on such a file.
    private static func splitDocuments(_ text: String, path: String) throws -> [String] {
        do {
            _ = try Array(Yams.compose_all(yaml: text))
        } catch let error as YamlError {
            throw JoinError.badParameter("\(path): malformed YAML: \(error)")
        }
        return text.components(separatedBy: "\n---")
            .map { $0.hasPrefix("---") ? String($0.dropFirst(3)) : $0 }
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// A JSON list, as Teleport prints `tctl get --format=json`.
    public static func json<T: Encodable>(_ resources: [T]) throws -> String { try ResourceText.json(resources) }

    /// YAML documents separated by `---`.
    public static func yaml<T: Encodable>(_ resources: [T]) throws -> String { try ResourceText.yamlDocuments(resources) }
}
