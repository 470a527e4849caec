import Foundation
import JoinCore

/// Reads a ``RoleDocumentNode`` tree into a ``Role``, in Teleport's shape:
///
/// ```yaml
/// kind: role
/// version: v7
/// metadata: {name: dba, description: ..., labels: {...}}
/// spec:
///   options: {max_session_ttl: 8h}
///   allow: {logins: [...], node_labels: {...}}
///   deny: {logins: [...], node_labels: {...}}
/// ```
///
/// Keys Joinery does not use (other options, `rules`, `kubernetes_labels`, `sub_kind`, ...)
/// are ignored, so a role written for Teleport loads; the fields it does use are checked
/// strictly and every error names the role and the field.
struct RoleDocumentReader {
    /// The versions read; Teleport's v5 and v6 differ from v7 only in fields Joinery ignores.
    static let supportedVersions = ["v5", "v6", "v7"]

    /// Text for errors: `role "dba"` once the name is known, `role` before.
    private var subject = "role"

    func fail(_ message: String) -> JoinError { .badParameter("\(subject): \(message)") }

    static func read(_ root: RoleDocumentNode) throws -> Role {
        var reader = RoleDocumentReader()
        return try reader.readRole(root)
    }

    /// Reads `allow` or `deny` alone (``RoleConditions``' own `Codable` form), naming `path`.
    static func readConditions(_ node: RoleDocumentNode, path: String) throws -> RoleConditions {
        try RoleDocumentReader().readConditions(node, path: path)
    }

    private mutating func readRole(_ root: RoleDocumentNode) throws -> Role {
        let top = try map(root, path: "the document")
        let metadata = try map(top["metadata"] ?? .null, path: "metadata", required: true)
        guard let name = try string(metadata["name"], path: "metadata.name") else {
            throw fail("metadata.name is required")
        }
        try RoleName.validate(name)
        subject = "role \(UntrustedString.quoted(name))"

        guard let kind = try string(top["kind"], path: "kind") else { throw fail("kind is required (kind: role)") }
        guard kind == "role" else {
            throw fail("kind \(UntrustedString.quoted(kind)) is not a role (expected kind: role)")
        }
        guard let version = try string(top["version"], path: "version") else {
            throw fail("version is required (version: v7)")
        }
        guard Self.supportedVersions.contains(version) else {
            throw fail("version \(UntrustedString.quoted(version)) is not supported (use v7; v5 and v6 are read as v7)")
        }

        let spec = try map(top["spec"] ?? .null, path: "spec")
        let options = try map(spec["options"] ?? .null, path: "spec.options")
        return Role(
            name: name,
            description: try string(metadata["description"], path: "metadata.description"),
            labels: try stringMap(metadata["labels"], path: "metadata.labels"),
            maxSessionTTL: try duration(options["max_session_ttl"], path: "spec.options.max_session_ttl"),
            allow: try readConditions(spec["allow"] ?? .null, path: "spec.allow"),
            deny: try readConditions(spec["deny"] ?? .null, path: "spec.deny"),
            version: version)
    }

    private func readConditions(_ node: RoleDocumentNode, path: String) throws -> RoleConditions {
        let fields = try map(node, path: path)
        let logins = try stringList(fields["logins"], path: "\(path).logins")
        for (index, login) in logins.enumerated() where login.contains("{{") || login.contains("}}") {
            guard TraitTemplate(login) != nil else {
                throw fail("\(path).logins[\(index)]: \(UntrustedString.quoted(login)) is not a valid template " +
                    "(write {{internal.logins}} or {{external.NAME}})")
            }
        }
        let nodeLabels = try labelSelector(fields["node_labels"], path: "\(path).node_labels")
        return RoleConditions(logins: logins, nodeLabels: nodeLabels)
    }

    // MARK: - Field shapes

    private func map(_ node: RoleDocumentNode, path: String, required: Bool = false) throws -> [String: RoleDocumentNode] {
        switch node {
        case .map(let entries): return entries
        case .null where !required: return [:]
        case .null: throw fail("\(path) is required")
        default: throw fail("\(path) must be a map, found \(node.shapeName)")
        }
    }

    private func string(_ node: RoleDocumentNode?, path: String) throws -> String? {
        switch node {
        case nil, .null?: return nil
        case .scalar(let text, true)?: return text
        case let other?: throw fail("\(path) must be a string, found \(other.shapeName)")
        }
    }

    private func stringList(_ node: RoleDocumentNode?, path: String) throws -> [String] {
        switch node {
        case nil, .null?: return []
        case .list(let items):
            return try items.map { item in
                guard case .scalar(let text, true) = item else { throw fail("\(path) must be a list of strings") }
                return text
            }
        default: throw fail("\(path) must be a list of strings")
        }
    }

    private func stringMap(_ node: RoleDocumentNode?, path: String) throws -> [String: String] {
        guard let node, node != .null else { return [:] }
        return try map(node, path: path).reduce(into: [:]) { result, entry in
            guard case .scalar(let text, true) = entry.value else {
                throw fail("\(path).\(entry.key) must be a string, found \(entry.value.shapeName)")
            }
            result[entry.key] = text
        }
    }

    /// `node_labels`: each key maps to one value or a list of values (Teleport's `utils.Strings`).
    private func labelSelector(_ node: RoleDocumentNode?, path: String) throws -> [String: [String]] {
        guard let node, node != .null else { return [:] }
        var selector: [String: [String]] = [:]
        for (key, value) in try map(node, path: path) {
            let keyPath = "\(path)[\(UntrustedString.quoted(key))]"
            let values: [String]
            switch value {
            case .scalar(let text, true): values = [text]
            case .list: values = try stringList(value, path: keyPath)
            default: throw fail("\(keyPath) must be a string or a list of strings, found \(value.shapeName)")
            }
            for value in values {
                if let problem = LabelValuePattern.problem(value) { throw fail("\(keyPath): \(problem)") }
            }
            selector[key] = values
        }
        return selector
    }

    /// A Go duration string (`30h`, `1h30m`); a JSON number is nanoseconds, as Go encodes a
    /// `time.Duration`. Zero means "not set" (Teleport's default applies).
    private func duration(_ node: RoleDocumentNode?, path: String) throws -> TimeInterval? {
        let seconds: Double
        switch node {
        case nil, .null?: return nil
        case .scalar(let text, true)?:
            do {
                seconds = try GoDuration(parsing: text).seconds
            } catch let error as JoinError {
                throw fail("\(path): \(error.message)")
            }
        case .scalar(let text, false)?:
            guard let nanoseconds = Double(text) else { throw fail("\(path) must be a duration such as 30h") }
            seconds = nanoseconds / 1e9
        case let other?:
            throw fail("\(path) must be a duration such as 30h, found \(other.shapeName)")
        }
        guard seconds >= 0 else { throw fail("\(path) must not be negative") }
        return seconds == 0 ? nil : seconds
    }
}
