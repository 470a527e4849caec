import Foundation
import JoinCore
import Yams

/// Resource files for `tctl create` and output for `tctl get`: YAML or JSON documents, read
/// strictly, written in Teleport's shapes (JSON as a list).
public enum ResourceDocuments {
    private struct Envelope: Decodable { var kind: String? }

    /// Parses every document of a YAML (or JSON) file into tokens, naming the file and the
    /// field in any error. Only `kind: token` is supported so far.
    public static func tokens(fromFile path: String) throws -> [ProvisionToken] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw JoinError.badParameter("\(path): cannot read the file")
        }
        var tokens: [ProvisionToken] = []
        let documents = try splitDocuments(text, path: path)
        guard !documents.isEmpty else { throw JoinError.badParameter("\(path): the file holds no resource") }
        for (index, document) in documents.enumerated() {
            let place = documents.count > 1 ? "\(path) (document \(index + 1))" : path
            let kind: String?
            do {
                kind = try YAMLDecoder().decode(Envelope.self, from: document).kind
            } catch {
                throw JoinError.badParameter("\(place): \(DecodingErrorDescription.describe(error))")
            }
            guard let kind else { throw JoinError.badParameter("\(place): missing field \"kind\"") }
            guard kind == "token" else {
                throw JoinError.badParameter("\(place): resource kind \"\(kind)\" is not supported; supported kinds: token")
            }
            do {
                tokens.append(try YAMLDecoder().decode(ProvisionToken.self, from: document))
            } catch {
                throw JoinError.badParameter("\(place): \(DecodingErrorDescription.describe(error))")
            }
        }
        return tokens
    }

    /// Splits on `---` lines; YAML syntax errors name the line.
    private static func splitDocuments(_ text: String, path: String) throws -> [String] {
        do {
            _ = try Array(Yams.load_all(yaml: text))
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
