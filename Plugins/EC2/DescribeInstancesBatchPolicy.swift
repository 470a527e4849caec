import AWSKit
import JoinCore

/// How ``DescribeInstancesBatcher`` coalesces, paces and retries `DescribeInstances`.
///
/// The defaults fit AWS's budget for the API, about 20 requests per second sustained per
/// account and region: a fleet scaling out by a thousand instances costs ten requests instead
/// of a thousand, and a join waits at most ``window`` longer than it would alone.
public struct DescribeInstancesBatchPolicy: Sendable, Equatable {
    /// How long the first lookup of a batch waits for others to join it. A batch that reaches
    /// ``maximumIDsPerCall`` is sent at once; one whose scope must wait for its turn
    /// (``callsPerSecond``) keeps taking lookups until then.
    public var window: Duration
    /// Distinct instance IDs in one request, at most AWS's limit of 100.
    public var maximumIDsPerCall: Int
    /// Requests per second one account and region may make, sustained.
    public var callsPerSecond: Double
    /// Requests one account and region may make at once after a quiet spell.
    public var burst: Int
    /// Tries of one request while AWS throttles it (the first try included); the last
    /// throttling error is what the waiting joins get.
    public var maximumAttempts: Int
    /// The wait before retrying a throttled request.
    public var backoff: JitteredBackoff
    /// `NextToken` pages followed for one batch before giving up (a bound, not an expectation:
    /// without `MaxResults` EC2 answers a batch in one page).
    public var maximumPages: Int

    public init(window: Duration = .milliseconds(25), maximumIDsPerCall: Int = EC2Client.maximumIDsPerRequest,
                callsPerSecond: Double = 20, burst: Int = 20, maximumAttempts: Int = 4,
                backoff: JitteredBackoff = JitteredBackoff(initial: .milliseconds(200), maximum: .seconds(5)),
                maximumPages: Int = 50) {
        self.window = max(window, .zero)
        self.maximumIDsPerCall = min(max(maximumIDsPerCall, 1), EC2Client.maximumIDsPerRequest)
        self.callsPerSecond = callsPerSecond > 0 ? callsPerSecond : 20
        self.burst = max(burst, 1)
        self.maximumAttempts = max(maximumAttempts, 1)
        self.backoff = backoff
        self.maximumPages = max(maximumPages, 1)
    }
}
