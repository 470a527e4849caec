import AWSKit
import JoinCore

/// The `ec2` rules of spec §1.3: allow rules are required; each names an account or a role to
/// assume; `aws_arn` belongs to the IAM method; `aws_iid_ttl` defaults to five minutes.
enum EC2TokenRules {
    static let defaultTTL = GoDuration(seconds: IdentityDocumentFreshness.defaultTTL)

    /// The sections an `ec2` token may carry; `allow` without `join_method` means `ec2`.
    static let sections: Set<String> = [AWSTokenSections.allow, AWSTokenSections.identityDocumentTTL]

    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        var token = token
        let rules = try token.spec.awsAllowRules()
        guard !rules.isEmpty else {
            throw EC2Errors.noAllowRules
        }
        for (index, rule) in rules.enumerated() {
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
        token.spec.setAWSAllowRules(rules)
        let ttl = try token.spec.awsIdentityDocumentTTL()
        token.spec.setAWSIdentityDocumentTTL(ttl == nil || ttl?.seconds == 0 ? defaultTTL : ttl)
        return token
    }
}
