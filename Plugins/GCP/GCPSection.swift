import JoinCore
import OIDCKit

/// A token's `spec.gcp` (Teleport's shape): allow rules, each naming the projects a VM or
/// workload may belong to (required), and optionally the locations (a region takes in its
/// zones) and the service accounts it may run as.
public struct GCPSection: OIDCTokenRules, Equatable {
    /// One `allow` entry.
    public struct Rule: Sendable, Equatable {
        public var projectIDs: [String]
        public var locations: [String]
        public var serviceAccounts: [String]
    }

    static let path = "spec.gcp"
    public let allow: [Rule]

    public init(_ value: JSONValue) throws {
        guard case .object(let fields) = value else { throw JoinError.badParameter("\(Self.path): expected a map") }
        for key in fields.keys.sorted() where key != "allow" {
            throw JoinError.badParameter("unknown field \"\(Self.path).\(key)\"")
        }
        var rules: [Rule] = []
        switch fields["allow"] {
        case nil, .null?: break
        case .array(let entries)?:
            for (index, entry) in entries.enumerated() {
                let at = "\(Self.path).allow[\(index)]"
                guard case .object(let rule) = entry else { throw JoinError.badParameter("\(at): expected a map") }
                for key in rule.keys.sorted() where !["project_ids", "locations", "service_accounts"].contains(key) {
                    throw JoinError.badParameter("unknown field \"\(at).\(key)\"")
                }
                rules.append(Rule(projectIDs: try Self.list(rule["project_ids"], at: "\(at).project_ids"),
                                  locations: try Self.list(rule["locations"], at: "\(at).locations"),
                                  serviceAccounts: try Self.list(rule["service_accounts"], at: "\(at).service_accounts")))
            }
        default: throw JoinError.badParameter("\(Self.path).allow: expected a list")
        }
        guard !rules.isEmpty else { throw JoinError.badParameter("the \"gcp\" join method requires at least one token allow rule") }
        guard rules.allSatisfy({ !$0.projectIDs.isEmpty }) else {
            throw JoinError.badParameter("the \"gcp\" join method requires gcp allow rules with at least one project ID")
        }
        allow = rules
    }

    public var json: JSONValue {
        .object(["allow": .array(allow.map { rule in
            var object: [String: JSONValue] = ["project_ids": .array(rule.projectIDs.map(JSONValue.string))]
            if !rule.locations.isEmpty { object["locations"] = .array(rule.locations.map(JSONValue.string)) }
            if !rule.serviceAccounts.isEmpty { object["service_accounts"] = .array(rule.serviceAccounts.map(JSONValue.string)) }
            return .object(object)
        })])
    }

    /// Project (one of), service account (one of the emails) and location: the region and the
    /// zone the instance is in (``GCPProfile`` derives them from its zone) against the list.
    public var rules: [ClaimRule] {
        allow.map { rule in
            var conditions = [ClaimCondition(field: "project_ids", claimPath: ["google", "compute_engine", "project_id"], match: .oneOf(rule.projectIDs))]
            if !rule.serviceAccounts.isEmpty {
                conditions.append(ClaimCondition(field: "service_accounts", claim: "email", match: .oneOf(rule.serviceAccounts)))
            }
            if !rule.locations.isEmpty {
                conditions.append(ClaimCondition(field: "locations", claim: GCPProfile.locationClaim, match: .intersects(rule.locations)))
            }
            return ClaimRule(conditions)
        }
    }

    public var auditedClaims: [String] { ["email", "gcp_project_id", "gcp_zone", "gcp_instance_id", "gcp_instance_name"] }

    static func list(_ value: JSONValue?, at path: String) throws -> [String] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map { item in
                // An unquoted number (a numeric project ID) is its text; anything else is refused.
                guard let text = ClaimText.scalar(item), !text.isEmpty, item != .bool(true), item != .bool(false) else {
                    throw JoinError.badParameter("\(path): expected a list of strings")
                }
                return text
            }
        case .string(let one)?: return one.isEmpty ? [] : [one]
        default: throw JoinError.badParameter("\(path): expected a list of strings")
        }
    }
}
