import JoinCore
import Metrics

/// The join pipeline's metrics, in Prometheus naming (`docs/operations.md` lists them all).
///
/// Recorded through swift-metrics, so the pipeline names no metrics backend: the `teleport`
/// executable bootstraps Prometheus when `--diag-addr` is set, and everywhere else (tests,
/// embedding programs) the calls go to swift-metrics' no-op handlers. Metric objects are made
/// per call rather than held, so a backend bootstrapped after the Auth server was built still
/// receives them; swift-metrics backends cache handlers by name and labels.
///
/// The `method` label is always the name of an enabled join method, or `unknown`: it never
/// carries what a client wrote, which would let anyone create unbounded time series.
public enum JoinMetrics {
    /// Counter, labels `method` and `outcome` (`success` or `failure`): finished join attempts.
    public static let attempts = "joinery_join_attempts_total"
    /// Histogram (seconds), label `method`: how long each attempt took, whatever its outcome.
    public static let duration = "joinery_join_duration_seconds"
    /// Counter, label `method`: attempts refused by the join rate limiter.
    public static let rateLimited = "joinery_join_rate_limited_total"
    /// The `method` label of an attempt whose method is not one this server has enabled.
    public static let unknownMethod = "unknown"

    static func recordAttempt(method: String, succeeded: Bool, duration: Duration) {
        Counter(label: attempts, dimensions: [("method", method), ("outcome", succeeded ? "success" : "failure")]).increment()
        Metrics.Timer(label: self.duration, dimensions: [("method", method)]).record(duration: duration)
    }

    static func recordRateLimited(method: String) {
        Counter(label: rateLimited, dimensions: [("method", method)]).increment()
    }
}

extension JoinMethodSet {
    /// `name` when it names an enabled method, else ``JoinMetrics/unknownMethod``.
    func metricLabel(for name: String) -> String {
        method(named: name)?.name ?? JoinMetrics.unknownMethod
    }
}
