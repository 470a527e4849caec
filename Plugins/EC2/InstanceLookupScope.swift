/// Whose eyes an instance is looked up with: the region, and the role the Auth server assumes
/// (nil for its own credentials).
///
/// Lookups batch only within one scope, because one `DescribeInstances` request is signed with
/// one set of credentials and sent to one regional endpoint. AWS meters that API per account
/// and region, so pacing uses ``rateLimitKey``, which puts two roles of one account together.
public struct InstanceLookupScope: Sendable, Hashable, CustomStringConvertible {
    public let region: String
    /// The `aws_role` of the allow rule that matched, or nil.
    public let roleARN: String?

    public init(region: String, roleARN: String? = nil) {
        self.region = region
        self.roleARN = roleARN
    }

    /// The account and region whose API budget a request in this scope spends: the account is
    /// read from the role ARN (`arn:<partition>:iam::<account>:role/<name>`); the Auth server's
    /// own credentials count as one account, whatever it is.
    public var rateLimitKey: String {
        "\(roleAccount ?? roleARN ?? "own-credentials")|\(region)"
    }

    /// The twelve-digit account of ``roleARN``, when it has the usual IAM shape.
    var roleAccount: String? {
        guard let roleARN else { return nil }
        let fields = roleARN.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn", fields[2] == "iam", fields[4].utf8.count == 12,
              fields[4].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return String(fields[4])
    }

    public var description: String {
        roleARN.map { "region \(region) as \($0)" } ?? "region \(region) with the Auth server's own credentials"
    }
}
