import Foundation
import JoinCore
import Yams

/// `--format` of the tctl commands: the default human form (a table or an instruction
/// block), `text` (the bare values, for scripts, where a command has them as `tctl tokens`
/// does; elsewhere the human form), `json` or `yaml`.
public enum OutputFormat: String, Sendable, Equatable, CaseIterable {
    case human
    case text
    case json
    case yaml

    /// Parses `--format`; an empty value is the human form.
    public init(parsing text: String?) throws {
        let value = (text ?? "").lowercased()
        if value.isEmpty {
            self = .human
            return
        }
        guard let format = OutputFormat(rawValue: value), format != .human else {
            throw JoinError.badParameter("--format \(text ?? ""): unsupported format; use text, json or yaml")
        }
        self = format
    }
}

/// JSON and YAML the way tctl prints resources: indented JSON with sorted keys, and YAML
/// documents separated by `---` for lists.
enum ResourceText {
    static func json<T: Encodable>(_ value: T) throws -> String {
        if let list = value as? [Any], list.isEmpty { return "[]\n" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func yaml<T: Encodable>(_ value: T) throws -> String {
        try YAMLEncoder().encode(value)
    }

    static func yamlDocuments<T: Encodable>(_ values: [T]) throws -> String {
        try values.map { try yaml($0) }.joined(separator: "---\n")
    }
}

extension OutputFormat {
    /// The output of a command whose text form is a table or a report and whose other forms
    /// are its documents (`tctl nodes ls`, `tctl bots ls`): no `--format` and `text` print
    /// `text()`, `json` a JSON list, `yaml` documents separated by `---`, as `tctl get` does.
    public func render<T: Encodable>(documents: [T], text: () -> String) throws -> String {
        switch self {
        case .human, .text: return text()
        case .json: return try ResourceText.json(documents)
        case .yaml: return try ResourceText.yamlDocuments(documents)
        }
    }

    /// The same for a command that reports one object (`tctl status`): one JSON object, or one
    /// YAML document.
    public func render<T: Encodable>(document: T, text: () -> String) throws -> String {
        switch self {
        case .human, .text: return text()
        case .json: return try ResourceText.json(document)
        case .yaml: return try ResourceText.yaml(document)
        }
    }
}
