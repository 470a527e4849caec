import Foundation
import JoinCore
import Synchronization

/// Limits unauthenticated join attempts per source address and requested method with a token
/// bucket: `burst` attempts at once, refilled at `averagePerSecond`.
///
/// The default (10 per second, bursts of 100) lets a whole autoscaling group behind one NAT
/// address join in a storm while making online guessing of 128-bit tokens pointless.
public final class JoinRateLimiter: Sendable {
    /// Limits as configured by `auth_service.join_rate_limit`.
    public struct Limits: Sendable, Equatable {
        public var averagePerSecond: Double
        public var burst: Double
        /// Join streams one host may have open at once, enforced by ``ConcurrentJoinLimiter``.
        public var maximumConcurrent: Int
        public init(averagePerSecond: Double = 10, burst: Double = 100, maximumConcurrent: Int = 64) {
            self.averagePerSecond = averagePerSecond
            self.burst = burst
            self.maximumConcurrent = maximumConcurrent
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    /// Buckets for at most this many sources; full (idle) buckets are dropped first.
    static let maximumTrackedSources = 100_000

    private let limits: Limits
    private let clock: any JoinClock
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(limits: Limits, clock: any JoinClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Takes one attempt from the bucket of `address` and `method`, or throws `limitExceeded`.
    public func admit(address: String, method: String) throws {
        let now = clock.now
        let key = address + "|" + method
        let admitted: Bool = buckets.withLock { table in
            if table.count >= JoinRateLimiter.maximumTrackedSources { evictIdle(&table, now: now) }
            var bucket = table[key] ?? Bucket(tokens: limits.burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(limits.burst, bucket.tokens + elapsed * limits.averagePerSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                table[key] = bucket
                return false
            }
            bucket.tokens -= 1
            table[key] = bucket
            return true
        }
        guard admitted else {
            throw JoinError.limitExceeded("too many join attempts from \(address); wait a few seconds and retry")
        }
    }

    private func evictIdle(_ table: inout [String: Bucket], now: Date) {
        let refillTime = limits.averagePerSecond > 0 ? limits.burst / limits.averagePerSecond : 3600
        table = table.filter { now.timeIntervalSince($0.value.updated) < refillTime }
        if table.count >= JoinRateLimiter.maximumTrackedSources { table.removeAll() }
    }
}
