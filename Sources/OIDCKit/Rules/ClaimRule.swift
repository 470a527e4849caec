import JoinCore

/// One condition of an allow rule: the field as the token names it, the claim it reads and
/// how they are compared.
public struct ClaimCondition: Sendable, Equatable {
    /// The rule's field name, for messages (`repository_owner`).
    public let field: String
    /// The claim it reads: a top-level name (`repository_owner`,
    /// `oidc.circleci.com/project-id`), or a path into nested objects (`["example", "project_id"]`).
    public let claimPath: [String]
    public let match: ClaimMatch

    public init(field: String, claim: String, match: ClaimMatch) {
        self.init(field: field, claimPath: [claim], match: match)
    }

    public init(field: String, claimPath: [String], match: ClaimMatch) {
        self.field = field
        self.claimPath = claimPath
        self.match = match
    }
}

/// One allow rule: every condition must hold. A token's rules are alternatives: the join is
/// allowed when any one rule holds.
public struct ClaimRule: Sendable, Equatable {
    public let conditions: [ClaimCondition]

    public init(_ conditions: [ClaimCondition]) {
        self.conditions = conditions
    }

    /// The fields whose conditions `claims` does not satisfy; empty when the rule holds. A
    /// rule without conditions never holds: however a section came to have one, it must not
    /// admit every token the issuer signs.
    public func failures(_ claims: VerifiedClaims) -> [String] {
        guard !conditions.isEmpty else { return ["(a rule with no conditions)"] }
        return conditions.filter { !$0.match.matches(claims.value(at: $0.claimPath)) }.map(\.field)
    }

    /// The index of the first rule of `rules` that `claims` satisfies, else a description of
    /// why each failed (`rule 0: repository, ref`), naming fields but never the expected
    /// values, which are the token's business.
    public static func firstMatch(_ rules: [ClaimRule], _ claims: VerifiedClaims) -> Result<Int, RuleMismatch> {
        var reasons: [String] = []
        for (index, rule) in rules.enumerated() {
            let failed = rule.failures(claims)
            if failed.isEmpty { return .success(index) }
            reasons.append("rule \(index): \(failed.joined(separator: ", "))")
        }
        return .failure(RuleMismatch(reasons: reasons))
    }
}

/// Why no allow rule held: per rule, the fields that did not match.
public struct RuleMismatch: Error, Sendable, Equatable {
    public let reasons: [String]
}
