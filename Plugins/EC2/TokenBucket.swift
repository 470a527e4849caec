/// A token bucket that hands out reservations: ``reserve(at:)`` always takes a token and says
/// how long the caller must wait before using it.
///
/// Taking the token up front (the bucket may go into debt) makes waiters queue in the order
/// they asked, each one interval after the last, instead of all waking when one token
/// appears and racing for it. A pure value with the time passed in, so it is tested with
/// made-up instants rather than sleeps.
public struct TokenBucket: Sendable {
    public let tokensPerSecond: Double
    public let capacity: Double
    /// Tokens available at ``updated``; negative while reservations are queued.
    public private(set) var tokens: Double
    private var updated: ContinuousClock.Instant

    /// A full bucket at `now`.
    public init(tokensPerSecond: Double, capacity: Int, now: ContinuousClock.Instant) {
        precondition(tokensPerSecond > 0 && capacity > 0, "a token bucket needs a positive rate and capacity")
        self.tokensPerSecond = tokensPerSecond
        self.capacity = Double(capacity)
        tokens = Double(capacity)
        updated = now
    }

    /// Takes one token at `now`; the wait before it may be spent (zero when one was there).
    public mutating func reserve(at now: ContinuousClock.Instant) -> Duration {
        refill(until: now)
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .seconds(-tokens / tokensPerSecond)
    }

    private mutating func refill(until now: ContinuousClock.Instant) {
        guard now > updated else { return }
        let elapsed = (updated.duration(to: now)).secondsValue
        tokens = min(capacity, tokens + elapsed * tokensPerSecond)
        updated = now
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
