import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import Logging

/// ``InstanceDirectory`` on AWS: `ec2:DescribeInstances` in the instance's region with the
/// Auth server's own credentials (the SDK chain), or, when an allow rule names `aws_role`,
/// with credentials from `sts:AssumeRole` into that role. Assumed credentials are cached per
/// role and region until shortly before they expire.
///
/// Lookups go through a ``DescribeInstancesBatcher``: joins arriving together share requests
/// (up to 100 instances each), paced to AWS's budget and retried while AWS throttles.
public final class AWSInstanceDirectory: InstanceDirectory {
    /// Where lookups are coalesced; its ``DescribeInstancesBatcher/counters`` say how many
    /// requests AWS has seen.
    public let batcher: DescribeInstancesBatcher

    public init(httpClient: HTTPClient = .shared, environment: [String: String] = ProcessInfo.processInfo.environment,
                batching: DescribeInstancesBatchPolicy = .init(),
                logger: Logger = Logger(label: "joinery.ec2.describe_instances")) throws {
        let clients = try ScopedEC2Clients(httpClient: httpClient, environment: environment)
        batcher = DescribeInstancesBatcher(api: EC2DescribeInstancesAPI(client: clients.client(for:)),
                                           policy: batching, logger: logger)
    }

    public func state(ofInstance instanceID: String, region: String, assumingRole roleARN: String?) async throws -> String? {
        try await batcher.state(ofInstance: instanceID, in: InstanceLookupScope(region: region, roleARN: roleARN))?.stateName
    }
}
