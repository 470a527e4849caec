import JoinCore

/// The `ec2` rules of spec §1.3: allow rules are required; each names an account or a role to
/// assume; `aws_arn` belongs to the IAM method; `aws_iid_ttl` defaults to five minutes.
enum EC2TokenRules {
    static let defaultTTL = GoDuration(seconds: IdentityDocumentFreshness.defaultTTL)

    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        var token = token
        guard !token.spec.allow.isEmpty else {
            throw EC2Errors.noAllowRules
        }
        for (index, rule) in token.spec.allow.enumerated() {
            if rule.awsARN != nil {
                throw EC2Errors.allowRuleHasARN(index: index)
            }
            if rule.awsAccount == nil && rule.awsRole == nil {
                throw EC2Errors.allowRuleNamesNoAccount(index: index)
            }
            if let account = rule.awsAccount, !(account.count == 12 && account.allSatisfy({ $0.isASCII && $0.isWholeNumber })) {
                throw EC2Errors.notAnAccountID(index: index, account)
            }
        }
        if token.spec.roles.contains(.bot) {
            throw EC2Errors.botsNotSupported
        }
        if token.spec.awsIIDTTL == nil || token.spec.awsIIDTTL?.seconds == 0 {
            token.spec.awsIIDTTL = defaultTTL
        }
        return token
    }
}
