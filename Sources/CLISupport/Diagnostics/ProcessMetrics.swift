import Metrics
import Prometheus
import Server

/// The process's one metrics backend: a Prometheus registry that swift-metrics reports to,
/// served at `/metrics`.
///
/// swift-metrics accepts one `MetricsSystem.bootstrap` per process, and the libraries
/// (Server, AWSKit) only speak swift-metrics' API, so the bootstrap belongs here, above them,
/// behind a `static let`: the first use bootstraps, exactly once, whoever asks first — the
/// `teleport` executable when `--diag-addr` is set, or a test suite (which must use this same
/// registry rather than bootstrap its own).
public enum ProcessMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Backend calls take microseconds to milliseconds; the default buckets start at 5 ms.
        factory.durationHistogramBuckets[MeasuredBackend.operationDuration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(10),
        ]
        // Joins sign certificates (milliseconds) and may wait on a client up to the join timeout.
        factory.durationHistogramBuckets[JoinMetrics.duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Every metric in the Prometheus text format (version 0.0.4).
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
