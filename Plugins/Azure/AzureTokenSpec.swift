import Foundation
import JoinCore

/// A token's `spec.azure` section (Teleport's): `allow` rules, each a subscription and
/// optionally the resource groups within it. A VM joins when one rule names its subscription
/// (exactly) and, if it lists any, its resource group (case-insensitively, as Azure treats
/// resource group names).
public struct AzureTokenSpec: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var subscription: String
        public var resourceGroups: [String]

        public init(subscription: String, resourceGroups: [String] = []) {
            self.subscription = subscription
            self.resourceGroups = resourceGroups
        }

        func admits(subscription: String, resourceGroup: String) -> Bool {
            guard self.subscription == subscription else { return false }
            return resourceGroups.isEmpty || resourceGroups.contains { $0.caseInsensitiveCompare(resourceGroup) == .orderedSame }
        }
    }

    public var allow: [Rule]

    static let sectionKey = "azure"

    /// The section of `token`, checked as Teleport checks it.
    public init(of token: ProvisionToken) throws {
        guard let section = token.spec.methodSections[Self.sectionKey], section != .null else {
            throw JoinError.badParameter("\"azure\" configuration must be provided for the join method \"azure\"")
        }
        let written = try section.decode(Written.self, path: "spec.azure")
        let rules = written.allow ?? []
        guard !rules.isEmpty else {
            throw JoinError.badParameter("the \"azure\" join method requires defined azure allow rules")
        }
        guard rules.allSatisfy({ !($0.subscription ?? "").isEmpty }) else {
            throw JoinError.badParameter("the \"azure\" join method requires azure allow rules with non-empty subscription")
        }
        allow = rules.map { Rule(subscription: $0.subscription ?? "", resourceGroups: $0.resourceGroups ?? []) }
    }

    /// The first rule admitting a VM in `subscription` and `resourceGroup`, if any.
    func firstMatch(subscription: String, resourceGroup: String) -> Rule? {
        allow.first { $0.admits(subscription: subscription, resourceGroup: resourceGroup) }
    }

    /// The section as written: unknown keys and wrong types are errors.
    struct Written: Decodable {
        struct RuleFields: Decodable {
            var subscription: String?
            var resourceGroups: [String]?

            enum CodingKeys: String, CodingKey, CaseIterable { case subscription, resourceGroups = "resource_groups" }

            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                subscription = try c.decodeIfPresent(String.self, forKey: .subscription)
                resourceGroups = try c.decodeIfPresent([String].self, forKey: .resourceGroups)
            }
        }

        var allow: [RuleFields]?

        enum CodingKeys: String, CodingKey, CaseIterable { case allow }

        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            allow = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([RuleFields].self, forKey: .allow)
        }
    }
}
