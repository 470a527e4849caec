/// An AWS service as the clients need to know it: the name it signs with, the prefix of its
/// default host, and the suffix of its `AWS_ENDPOINT_URL_<SUFFIX>` override.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The SigV4 service name, e.g. `ec2`.
    public let signingName: String
    /// The first label of the default host, e.g. `ec2` in `ec2.us-east-1.amazonaws.com`.
    public let endpointPrefix: String
    /// The service-specific endpoint variable is `AWS_ENDPOINT_URL_` + this, e.g. `EC2`.
    public let environmentSuffix: String
    /// The name used in messages, e.g. `EC2`.
    public let displayName: String

    public init(signingName: String, endpointPrefix: String, environmentSuffix: String, displayName: String) {
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
        self.environmentSuffix = environmentSuffix
        self.displayName = displayName
    }

    public static let ec2 = AWSService(signingName: "ec2", endpointPrefix: "ec2", environmentSuffix: "EC2", displayName: "EC2")
    public static let sts = AWSService(signingName: "sts", endpointPrefix: "sts", environmentSuffix: "STS", displayName: "STS")

    public var description: String { "AWS \(displayName)" }
}
