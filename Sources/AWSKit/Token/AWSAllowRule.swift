import JoinCore

/// One rule of an `ec2` or `iam` token's `spec.allow` (spec §1.2): a joiner matches when every
/// field the rule sets matches what AWS vouched for. `ec2` reads `aws_account`, `aws_regions`
/// and `aws_role`; `iam` reads `aws_account` and `aws_arn`. Each method's validation refuses
/// the fields that belong to the other.
public struct AWSAllowRule: Sendable, Equatable, Codable {
    public var awsAccount: String?
    public var awsRegions: [String]?
    public var awsRole: String?
    public var awsARN: String?

    public init(awsAccount: String? = nil, awsRegions: [String]? = nil, awsRole: String? = nil, awsARN: String? = nil) {
        self.awsAccount = awsAccount
        self.awsRegions = awsRegions
        self.awsRole = awsRole
        self.awsARN = awsARN
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case awsAccount = "aws_account", awsRegions = "aws_regions", awsRole = "aws_role", awsARN = "aws_arn"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Teleport's guides often leave the twelve digits unquoted.
        awsAccount = try c.decodeTextIfPresent(forKey: .awsAccount).flatMap { $0.isEmpty ? nil : $0 }
        awsRegions = try c.decodeIfPresent([String].self, forKey: .awsRegions).flatMap { $0.isEmpty ? nil : $0 }
        awsRole = try c.decodeIfPresent(String.self, forKey: .awsRole).flatMap { $0.isEmpty ? nil : $0 }
        awsARN = try c.decodeIfPresent(String.self, forKey: .awsARN).flatMap { $0.isEmpty ? nil : $0 }
    }
}
