import JoinCore

/// The `iam` rules of spec §1.3: allow rules are required; each names an account or an ARN
/// glob; `aws_role` and `aws_regions` belong to the EC2 method. Bots may use iam tokens.
enum IAMTokenRules {
    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        guard !token.spec.allow.isEmpty else {
            throw JoinError.badParameter("the \"iam\" join method requires defined token allow rules")
        }
        for (index, rule) in token.spec.allow.enumerated() {
            if rule.awsRole != nil {
                throw JoinError.badParameter("spec.allow[\(index)]: the \"iam\" join method does not support aws_role (it is for the ec2 method)")
            }
            if rule.awsRegions != nil {
                throw JoinError.badParameter("spec.allow[\(index)]: the \"iam\" join method does not support aws_regions (it is for the ec2 method)")
            }
            if rule.awsAccount == nil && rule.awsARN == nil {
                throw JoinError.badParameter("spec.allow[\(index)]: allow rule for \"iam\" join method must include aws_account or aws_arn")
            }
        }
        return token
    }
}
