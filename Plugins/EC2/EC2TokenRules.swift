import JoinCore

/// The `ec2` rules of spec §1.3: allow rules are required; each names an account or a role to
/// assume; `aws_arn` belongs to the IAM method; `aws_iid_ttl` defaults to five minutes.
enum EC2TokenRules {
    static let defaultTTL = GoDuration(seconds: IdentityDocumentFreshness.defaultTTL)

    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        var token = token
        guard !token.spec.allow.isEmpty else {
            throw JoinError.badParameter("the \"ec2\" join method requires defined token allow rules")
        }
        for (index, rule) in token.spec.allow.enumerated() {
            if rule.awsARN != nil {
                throw JoinError.badParameter("spec.allow[\(index)]: the \"ec2\" join method does not support aws_arn (it is for the iam method)")
            }
            if rule.awsAccount == nil && rule.awsRole == nil {
                throw JoinError.badParameter("spec.allow[\(index)]: allow rule for \"ec2\" join method must include aws_account or aws_role")
            }
            if let account = rule.awsAccount, !(account.count == 12 && account.allSatisfy({ $0.isASCII && $0.isWholeNumber })) {
                throw JoinError.badParameter("spec.allow[\(index)].aws_account: \"\(account)\" is not a 12-digit AWS account ID")
            }
        }
        if token.spec.roles.contains(.bot) {
            throw JoinError.badParameter("the \"ec2\" join method cannot be used by bots")
        }
        if token.spec.awsIIDTTL == nil || token.spec.awsIIDTTL?.seconds == 0 {
            token.spec.awsIIDTTL = defaultTTL
        }
        return token
    }
}
