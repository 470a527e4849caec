import AWSKit

/// One `DescribeInstances` request, as ``DescribeInstancesBatcher`` sends it: at most 100
/// distinct instance IDs, in one scope, one page.
///
/// A protocol so the batcher's coalescing, pacing and retrying can be driven by tests that
/// watch every request (recording the IDs and times of real calls to moto, say) while
/// production speaks to AWS through ``EC2DescribeInstancesAPI``.
public protocol DescribeInstancesAPI: Sendable {
    /// The page of instances EC2 lists for `instanceIDs` in `scope`, after `nextToken`.
    /// Instances EC2 does not know are absent; errors are thrown as AWS gave them
    /// (``AWSServiceError``), so the caller can tell throttling from refusal.
    func describeInstances(_ instanceIDs: [String], in scope: InstanceLookupScope, nextToken: String?) async throws -> EC2InstancePage
}

/// ``DescribeInstancesAPI`` through an ``EC2Client`` for each scope.
public struct EC2DescribeInstancesAPI: DescribeInstancesAPI {
    private let client: @Sendable (InstanceLookupScope) throws -> EC2Client

    /// `client` gives the client (region endpoint and credentials) for a scope.
    public init(client: @escaping @Sendable (InstanceLookupScope) throws -> EC2Client) {
        self.client = client
    }

    public func describeInstances(_ instanceIDs: [String], in scope: InstanceLookupScope, nextToken: String?) async throws -> EC2InstancePage {
        try await client(scope).describeInstancesPage(ids: instanceIDs, nextToken: nextToken)
    }
}
