import Foundation
import JoinCore
import Synchronization

/// Limits unauthenticated join attempts per source address with a token bucket: `burst`
/// attempts at once, refilled at `averagePerSecond`.
///
/// The default (10 per second, bursts of 100) lets a whole autoscaling group behind one NAT
/// address join in a storm while making online guessing of 128-bit tokens pointless.
///
/// The bucket is the address's alone, whatever method an attempt names: keyed by address and
/// method, one address had a fresh budget for every method name it cared to send. Buckets live
/// in a ``LeastRecentlyUsedTable`` of bounded size; when it is full the source seen least
/// recently is forgotten, never the whole table (which would let a flood from many addresses
/// reset every throttled source at once).
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

    /// Buckets for at most this many sources (about 10 MB); the least recently seen goes first.
    public static let maximumTrackedSources = 100_000

    private let limits: Limits
    private let clock: any JoinClock
    private let buckets: Mutex<LeastRecentlyUsedTable<String, Bucket>>

    /// - Parameter capacity: how many sources to track at once (tests use small tables).
    /// - Parameter attempts: what is counted, for the refusal (`too many join attempts from …`).
    public init(limits: Limits, clock: any JoinClock, capacity: Int = JoinRateLimiter.maximumTrackedSources,
                attempts: String = "join attempts") {
        self.attempts = attempts
        self.limits = limits
        self.clock = clock
        self.buckets = Mutex(LeastRecentlyUsedTable(capacity: max(1, capacity)))
    }

    /// How many sources have a bucket now (never more than the capacity).
    public var trackedSources: Int { buckets.withLock { $0.count } }
    let attempts: String

    /// Takes one attempt from the bucket of `address` (a host, without port), or throws
    /// `limitExceeded`.
    public func admit(address: String) throws {
        let now = clock.now
        let admitted: Bool = buckets.withLock { table in
            var bucket = table.touch(address) ?? Bucket(tokens: limits.burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(limits.burst, bucket.tokens + elapsed * limits.averagePerSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                table.set(address, bucket)
                return false
            }
            bucket.tokens -= 1
            table.set(address, bucket)
            return true
        }
        guard admitted else {
            throw JoinError.limitExceeded("too many \(attempts) from \(address); wait a few seconds and retry")
        }
    }
}
