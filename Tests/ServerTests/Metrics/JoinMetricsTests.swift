import Foundation
import JoinCore
import JoineryProto
import Metrics
import MetricsTestKit
import Server
import TestSupport
import XCTest

/// Join attempts, their latency and rate-limit refusals, counted by the pipeline; and the
/// connected-nodes gauge.
final class JoinMetricsTests: XCTestCase {
    private let metrics = TestMetrics()
    private let token = "metrics-node-token-0123456789abcdef"

    private func attempts(_ method: String, _ outcome: String) -> Int64 {
        metrics.counterTotal(label: JoinMetrics.attempts, dimensions: [("method", method), ("outcome", outcome)])
    }

    /// Runs one pipeline join; true when it succeeded.
    private static func join(_ cluster: TestCluster, _ request: Joinery_V1_JoinRequest, from address: String = "127.0.0.1:5000") async -> Bool {
        do {
            try await cluster.server.joinPipeline.run(InMemoryJoinStream([request]), remoteAddress: address)
            return true
        } catch {
            return false
        }
    }

    func testAttemptsAreCountedByMethodAndOutcomeAndTimed() async throws {
        let cluster = try await TestCluster()
        try await cluster.addToken(token, roles: [.node])
        await withMetricsFactory(metrics) {
            let first = await Self.join(cluster, InMemoryJoinStream.clientInit(token: token, method: "token"))
            let second = await Self.join(cluster, InMemoryJoinStream.clientInit(token: token, nodeName: "node-2"))
            let wrongRole = await Self.join(cluster, InMemoryJoinStream.clientInit(token: token, role: .proxy))
            XCTAssertEqual([first, second, wrongRole], [true, true, false])
        }
        await cluster.stop()
        XCTAssertEqual(attempts("token", "success"), 2)
        XCTAssertEqual(attempts("token", "failure"), 1)
        let durations = metrics.timers(label: JoinMetrics.duration, dimensions: [("method", "token")]).flatMap(\.values)
        XCTAssertEqual(durations.count, 3)
        XCTAssertTrue(durations.allSatisfy { $0 > 0 })
    }

    func testAMethodThatIsNotEnabledIsLabelledUnknown() async throws {
        let cluster = try await TestCluster()
        await withMetricsFactory(metrics) {
            let joined = await Self.join(cluster, InMemoryJoinStream.clientInit(token: "no-such-token-0123456789", method: "x-\(UUID())"))
            XCTAssertFalse(joined)
        }
        await cluster.stop()
        XCTAssertEqual(attempts(JoinMetrics.unknownMethod, "failure"), 1)
        XCTAssertEqual(metrics.counters(label: JoinMetrics.attempts).count, 1, "no other label value was made")
    }

    func testRateLimitedAttemptsAreCountedByMethod() async throws {
        let cluster = try await TestCluster(rateLimits: .init(averagePerSecond: 0.001, burst: 1))
        try await cluster.addToken(token, roles: [.node])
        await withMetricsFactory(metrics) {
            let admitted = await Self.join(cluster, InMemoryJoinStream.clientInit(token: token, method: "token"))
            let refused = await Self.join(cluster, InMemoryJoinStream.clientInit(token: token, method: "token", nodeName: "node-2"))
            XCTAssertEqual([admitted, refused], [true, false])
        }
        await cluster.stop()
        XCTAssertEqual(metrics.counterTotal(label: JoinMetrics.rateLimited, dimensions: [("method", "token")]), 1)
        XCTAssertEqual(attempts("token", "failure"), 1, "a refused attempt is still an attempt")
    }

    func testConnectedNodesGaugeCountsLiveNodes() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let cluster = try await TestCluster(clock: clock)
        for host in ["host-a", "host-b"] {
            _ = try await cluster.server.nodes.heartbeat(hostID: host, hostname: host, address: "", version: "test", labels: [:], roles: ["Node"])
        }
        await withMetricsFactory(metrics) { await InventoryMetrics.refreshConnectedNodes(cluster.server.nodes) }
        XCTAssertEqual(try metrics.expectGauge(InventoryMetrics.connectedNodes).lastValue, 2)
        clock.advance(by: NodeRegistry.defaultTTL + 1)
        await withMetricsFactory(metrics) { await InventoryMetrics.refreshConnectedNodes(cluster.server.nodes) }
        XCTAssertEqual(try metrics.expectGauge(InventoryMetrics.connectedNodes).lastValue, 0, "expired nodes are not connected")
        await cluster.stop()
    }
}
