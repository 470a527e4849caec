/// How long to wait before retrying after a failure: exponential from ``initial`` (doubling
/// each consecutive failure), never longer than ``maximum``, and jittered down to between half
/// and all of that so a fleet behind one outage (a restarted Auth server) does not retry in
/// step. Used by the join client's Auth server failover and by tbot's renewals (whose ceiling
/// is the renewal interval).
public struct JitteredBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before retry number `failures` (1 after the first failure), with `jitter`
    /// in `0...1` picking where between half and all of the exponential delay it falls.
    public func delay(afterFailures failures: Int, jitter: Double) -> Duration {
        let exponent = min(max(failures - 1, 0), 32)
        let ceiling = min(maximum, initial * Double(1 << UInt64(exponent)))
        return ceiling * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// ``delay(afterFailures:jitter:)`` with a random jitter.
    public func delay(afterFailures failures: Int) -> Duration {
        delay(afterFailures: failures, jitter: Double.random(in: 0...1))
    }
}
