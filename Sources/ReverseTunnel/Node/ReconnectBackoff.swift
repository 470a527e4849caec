/// How long a node's agent waits before trying its tunnel again: exponential from ``initial``
/// up to ``maximum``, each wait jittered by ±``jitter`` so a fleet that lost its proxy at the
/// same instant does not come back at the same instant, and back to ``initial`` once a tunnel
/// has stayed up for ``resetAfter`` (a tunnel that drops right after connecting keeps
/// backing off, so a proxy that accepts and then fails is not hammered).
public struct ReconnectBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// The fraction each wait may be moved by, either way (0.2: ±20 %).
    public var jitter: Double
    public var resetAfter: Duration
    private var attempts = 0

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), multiplier: Double = 2,
                jitter: Double = 0.2, resetAfter: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = max(1, multiplier)
        self.jitter = min(max(0, jitter), 1)
        self.resetAfter = resetAfter
    }

    /// The wait before the next attempt.
    public mutating func next<Random: RandomNumberGenerator>(using random: inout Random) -> Duration {
        let ceiling = Self.seconds(maximum)
        let base = min(Self.seconds(initial) * Self.power(multiplier, attempts), ceiling)
        attempts = min(attempts + 1, 64)
        let factor = jitter == 0 ? 1 : Double.random(in: (1 - jitter)...(1 + jitter), using: &random)
        return .seconds(min(base * factor, ceiling))
    }

    public mutating func next() -> Duration {
        var random = SystemRandomNumberGenerator()
        return next(using: &random)
    }

    /// Starts over from ``initial``.
    public mutating func reset() { attempts = 0 }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in min(value * base, 1e9) }
    }
}
