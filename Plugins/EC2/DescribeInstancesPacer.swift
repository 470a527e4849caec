import Synchronization

/// Paces `DescribeInstances` requests with one ``TokenBucket`` per account and region
/// (``InstanceLookupScope/rateLimitKey``), because that is how AWS meters the API: a burst in
/// one region or account does not hold back another.
public final class DescribeInstancesPacer: Sendable {
    public let callsPerSecond: Double
    public let burst: Int
    private let buckets = Mutex<[String: TokenBucket]>([:])

    public init(callsPerSecond: Double, burst: Int) {
        self.callsPerSecond = callsPerSecond
        self.burst = burst
    }

    /// Takes a turn for `scope` at `now`: how long to wait before sending.
    public func reserve(for scope: InstanceLookupScope, at now: ContinuousClock.Instant = .now) -> Duration {
        buckets.withLock { buckets in
            buckets[scope.rateLimitKey, default: TokenBucket(tokensPerSecond: callsPerSecond, capacity: burst, now: now)]
                .reserve(at: now)
        }
    }

    /// Waits for a turn for `scope`; returns how long it waited.
    @discardableResult
    public func waitForTurn(for scope: InstanceLookupScope) async throws -> Duration {
        let wait = reserve(for: scope)
        if wait > .zero { try await Task.sleep(for: wait) }
        return wait
    }
}
