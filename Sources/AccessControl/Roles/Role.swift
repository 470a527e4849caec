import Foundation
import JoinCore

/// A Teleport role resource, `kind: role`, `version: v7` (v5 and v6 are accepted and read the
/// same way): which Unix logins a user may use, on which nodes, for how long.
///
/// Only the parts of a role that Joinery enforces are modelled — `logins`, `node_labels` and
/// `options.max_session_ttl` — so a role written for Teleport loads unchanged and its other
/// fields are ignored rather than silently half-honoured. What a set of roles grants is decided
/// by ``AccessChecker``; this type only holds and validates what was written.
public struct Role: Sendable, Equatable {
    /// `metadata.name`: 1 to 64 characters of `A-Z a-z 0-9 . _ @ -` (``RoleName``).
    public var name: String
    /// `metadata.description`.
    public var description: String?
    /// `metadata.labels`.
    public var labels: [String: String]
    /// `spec.options.max_session_ttl` in seconds; nil when the role does not set one.
    public var maxSessionTTL: TimeInterval?
    /// `spec.allow`.
    public var allow: RoleConditions
    /// `spec.deny`: wins over any role's `allow`.
    public var deny: RoleConditions
    /// The resource version as written: `v7` (or `v5`, `v6`).
    public var version: String

    /// The version written for new roles.
    public static let currentVersion = "v7"

    public init(
        name: String, description: String? = nil, labels: [String: String] = [:], maxSessionTTL: TimeInterval? = nil,
        allow: RoleConditions = RoleConditions(), deny: RoleConditions = RoleConditions(), version: String = Role.currentVersion
    ) {
        self.name = name
        self.description = description
        self.labels = labels
        self.maxSessionTTL = maxSessionTTL
        self.allow = allow
        self.deny = deny
        self.version = version
    }

    /// Parses a role written as YAML or JSON in Teleport's shape (see ``RoleDocumentReader``).
    ///
    /// Throws `JoinError.badParameter` naming the role and the field:
    /// `role "dba": spec.allow.logins must be a list of strings`. Documents larger than 64 KiB,
    /// another `kind`, an unsupported `version` and invalid names are refused.
    public init(document: Data) throws {
        self = try RoleDocumentReader.read(try RoleDocumentNode.parse(document))
    }

    /// The role as Teleport-shaped JSON with sorted keys (`max_session_ttl` as a Go duration
    /// string such as `30h0m0s`); ``init(document:)`` reads it back to an equal role.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The document as a JSON tree, in Teleport's shape.
    var documentValue: JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if let description { metadata["description"] = .string(description) }
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues { .string($0) }) }
        var options: [String: JSONValue] = [:]
        if let maxSessionTTL { options["max_session_ttl"] = .string(GoDuration(seconds: maxSessionTTL).exactDescription) }
        return .object([
            "kind": .string("role"),
            "version": .string(version),
            "metadata": .object(metadata),
            "spec": .object(["options": .object(options), "allow": allow.documentValue, "deny": deny.documentValue]),
        ])
    }
}

/// `Codable` in the document's shape, so a role stored as JSON reads as Teleport's does and is
/// validated again when it is read back. For YAML text use ``init(document:)``, which keeps
/// scalars as written (a typed YAML decoder would turn `yes` into a boolean).
extension Role: Codable {
    public init(from decoder: Decoder) throws {
        var budget = RoleDocumentNode.maximumNodeCount
        let tree = try RoleDocumentNode(json: try JSONValue(from: decoder), budget: &budget)
        self = try RoleDocumentReader.read(tree)
    }

    public func encode(to encoder: Encoder) throws {
        try documentValue.encode(to: encoder)
    }
}
