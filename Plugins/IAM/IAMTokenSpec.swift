import JoinCore

/// The `iam` rules of spec §1.3: allow rules are required; each names an account or an ARN
/// glob; `aws_role` and `aws_regions` belong to the EC2 method. Bots may use iam tokens.
enum IAMTokenRules {
    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        guard !token.spec.allow.isEmpty else {
            throw IAMErrors.noAllowRules
        }
        for (index, rule) in token.spec.allow.enumerated() {
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
        return token
    }
}
