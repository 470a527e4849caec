import AWSKit
import JoinCore

/// The `iam` rules of spec §1.3: allow rules are required; each names an account or an ARN
/// glob; `aws_role` and `aws_regions` belong to the EC2 method. Bots may use iam tokens.
enum IAMTokenRules {
    /// The one section an `iam` token carries.
    static let sections: Set<String> = [AWSTokenSections.allow]

    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        var token = token
        let rules = try token.spec.awsAllowRules()
        guard !rules.isEmpty else {
            throw IAMErrors.noAllowRules
        }
        for (index, rule) in rules.enumerated() {
            if rule.awsRole != nil {
                throw IAMErrors.allowRuleHasRole(index: index)
            }
            if rule.awsRegions != nil {
                throw IAMErrors.allowRuleHasRegions(index: index)
            }
            if rule.awsAccount == nil && rule.awsARN == nil {
                throw IAMErrors.allowRuleNamesNoAccount(index: index)
            }
        }
        token.spec.setAWSAllowRules(rules)
        return token
    }
}
