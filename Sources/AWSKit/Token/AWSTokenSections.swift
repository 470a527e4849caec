import JoinCore

/// The token sections the AWS join methods own: `allow` (shared by `ec2` and `iam`) and
/// `aws_iid_ttl` (`ec2` only). The core keeps them as written, in `spec.methodSections`, so
/// a token stored before they moved here reads the same.
public enum AWSTokenSections {
    /// `spec.allow`: the account, region, role and ARN rules.
    public static let allow = "allow"
    /// `spec.aws_iid_ttl`: how old an EC2 identity document may be.
    public static let identityDocumentTTL = "aws_iid_ttl"
}

extension ProvisionToken.Spec {
    /// The `allow` rules, decoded; empty when the token has none. Errors name the field as
    /// the operator wrote it (`unknown field "spec.allow[0].aws_acount"`).
    public func awsAllowRules() throws -> [AWSAllowRule] {
        guard let section = methodSections[AWSTokenSections.allow], section != .null else { return [] }
        return try section.decode([AWSAllowRule].self, at: ["spec", AWSTokenSections.allow])
    }

    /// Replaces the `allow` rules; an empty list removes the section.
    public mutating func setAWSAllowRules(_ rules: [AWSAllowRule]) {
        methodSections[AWSTokenSections.allow] = rules.isEmpty ? nil : try? JSONValue(encoding: rules)
    }

    /// `aws_iid_ttl`, decoded; nil when the token has none.
    public func awsIdentityDocumentTTL() throws -> GoDuration? {
        guard let section = methodSections[AWSTokenSections.identityDocumentTTL], section != .null else { return nil }
        return try section.decode(GoDuration.self, at: ["spec", AWSTokenSections.identityDocumentTTL])
    }

    /// Replaces `aws_iid_ttl`; nil removes it.
    public mutating func setAWSIdentityDocumentTTL(_ ttl: GoDuration?) {
        methodSections[AWSTokenSections.identityDocumentTTL] = ttl.flatMap { try? JSONValue(encoding: $0) }
    }
}
