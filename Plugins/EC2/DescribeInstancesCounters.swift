import Synchronization

/// What ``DescribeInstancesBatcher`` has done since it was made, for benchmarks, tests and
/// metrics: how many lookups it answered with how many requests to AWS.
public struct DescribeInstancesCounters: Sendable, Equatable {
    /// Instance lookups asked of the batcher (one per EC2 join that got that far).
    public var lookups = 0
    /// Batches sent; each is one request or more (retries, further pages).
    public var batches = 0
    /// `DescribeInstances` requests sent to AWS: retries and further pages included.
    public var calls = 0
    /// Requests AWS answered with throttling (`RequestLimitExceeded`, `Throttling`, HTTP 503).
    public var throttled = 0
    /// Batches that failed, every lookup in them with the same error.
    public var failedBatches = 0

    public init() {}
}

extension DescribeInstancesCounters {
    /// The counters of every ``DescribeInstancesBatcher`` in this process, summed: for
    /// benchmarks and diagnostics that reach the EC2 method only through the plugin registry
    /// and so never hold its batcher. Take a difference around the work of interest.
    public static var processWide: DescribeInstancesCounters { processWideTotals.withLock { $0 } }

    static let processWideTotals = Mutex(DescribeInstancesCounters())
}
