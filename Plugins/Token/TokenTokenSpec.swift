import JoinCore

extension TokenJoinMethod {
    /// The `token` rules of spec §1.3: a stored token carries no allow rules and no
    /// `aws_iid_ttl`, which belong to the AWS methods.
    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        if !token.spec.allow.isEmpty {
            throw TokenErrors.allowRulesNotSupported
        }
        if token.spec.awsIIDTTL != nil {
            throw TokenErrors.awsIIDTTLNotSupported
        }
        return token
    }
}
