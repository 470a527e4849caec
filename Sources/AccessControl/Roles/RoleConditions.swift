import JoinCore

/// One side of a role, `spec.allow` or `spec.deny`: Unix logins and the nodes they apply to.
///
/// Values are kept as written. `logins` may hold trait templates — `{{internal.logins}}`
/// (also `{{ internal.logins }}`) or `{{external.NAME}}` — expanded per user by
/// ``AccessChecker``. `nodeLabels` maps a label key to its accepted values: `*` (any),
/// globs with `*`, or regular expressions written `^...$`; `'*': '*'` means every node.
public struct RoleConditions: Sendable, Equatable {
    /// `logins`: Unix logins, literal or templates.
    public var logins: [String]
    /// `node_labels`: key to accepted values (a single value is written as a string).
    public var nodeLabels: [String: [String]]

    public init(logins: [String] = [], nodeLabels: [String: [String]] = [:]) {
        self.logins = logins
        self.nodeLabels = nodeLabels
    }

    /// Whether this side says nothing.
    public var isEmpty: Bool { logins.isEmpty && nodeLabels.isEmpty }

    var documentValue: JSONValue {
        var fields: [String: JSONValue] = [:]
        if !logins.isEmpty { fields["logins"] = .array(logins.map { .string($0) }) }
        if !nodeLabels.isEmpty {
            fields["node_labels"] = .object(nodeLabels.mapValues { values in
                values.count == 1 ? .string(values[0]) : .array(values.map { .string($0) })
            })
        }
        return .object(fields)
    }
}

/// `Codable` as the document writes `allow` and `deny` (`logins`, `node_labels`).
extension RoleConditions: Codable {
    public init(from decoder: Decoder) throws {
        var budget = RoleDocumentNode.maximumNodeCount
        let tree = try RoleDocumentNode(json: try JSONValue(from: decoder), budget: &budget)
        self = try RoleDocumentReader.readConditions(tree, path: decoder.codingPath.isEmpty ? "conditions" : CodingPathText.dotted(decoder.codingPath))
    }

    public func encode(to encoder: Encoder) throws {
        try documentValue.encode(to: encoder)
    }
}
