import Foundation
import TestSupport
import XCTest

/// `teleport start --diag-addr`: the real binaries serve `/healthz`, `/readyz` and `/metrics`,
/// read with curl as an operator (or Prometheus) would, and count a real join.
final class DiagnosticsEndpointTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private struct Answer {
        var status: Int
        var body: String
    }

    /// `curl` against 127.0.0.1:`port`: the body, then the status code on a line of its own.
    private func curl(_ port: Int, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Answer {
        let result = try Command.run("/usr/bin/curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"],
                                     timeout: 20)
        XCTAssertEqual(result.status, 0, "curl failed: \(result.stderr)", file: file, line: line)
        var lines = result.stdout.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? -1
        return Answer(status: status, body: lines.joined(separator: "\n"))
    }

    /// Polls `path` (bounded) until it answers `status`; the last answer.
    private func poll(_ port: Int, _ path: String, status: Int, seconds: Double = 20) async throws -> Answer {
        let deadline = Date().addingTimeInterval(seconds)
        var answer = try curl(port, path)
        while answer.status != status && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            answer = try curl(port, path)
        }
        return answer
    }

    private func value(of series: String, in exposition: String) -> String? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
    }

    func testAuthServerAndNodeServeHealthReadinessAndMetrics() async throws {
        let authDiag = FreePort.next()
        try await cluster.startAuth(extraArguments: ["--diag-addr=127.0.0.1:\(authDiag)"])
        let output = cluster.auth?.output ?? ""
        XCTAssertTrue(output.contains("diagnostics endpoint is listening"), output)

        let health = try curl(authDiag, "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.body, "{\"status\":\"ok\"}\n")
        let ready = try await poll(authDiag, "/readyz", status: 200)
        XCTAssertEqual(ready.status, 200, ready.body)
        XCTAssertEqual(try curl(authDiag, "/nothing-here").status, 404)

        var metrics = try curl(authDiag, "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertNotNil(value(of: #"joinery_backend_operation_duration_seconds_count{operation="get"}"#, in: metrics.body), metrics.body)
        XCTAssertEqual(value(of: "joinery_connected_nodes", in: metrics.body).flatMap(Double.init), 0, metrics.body)
        XCTAssertNil(value(of: #"joinery_join_attempts_total{method="token",outcome="success"}"#, in: metrics.body))

        // A node joins with a token, with its own diagnostics endpoint: ready once it heartbeats.
        let nodeDiag = FreePort.next()
        let token = try cluster.addToken()
        let node = try cluster.startNode("diag-node", [
            "--roles=node", "--auth-server=\(cluster.authAddress)", "--token=\(token)",
            "--ca-pin=\(try cluster.caPin())", "--data-dir=\(cluster.nodeDataDirectory("diag-node"))",
            "--nodename=diag-node", "--diag-addr=127.0.0.1:\(nodeDiag)",
        ])
        let listed = try await cluster.waitForNode("diag-node")
        XCTAssertTrue(listed.contains("diag-node"), node.output)
        let nodeReady = try await poll(nodeDiag, "/readyz", status: 200)
        XCTAssertEqual(nodeReady.status, 200, nodeReady.body + node.output)

        metrics = try curl(authDiag, "/metrics")
        XCTAssertEqual(value(of: #"joinery_join_attempts_total{method="token",outcome="success"}"#, in: metrics.body), "1", metrics.body)
        XCTAssertEqual(value(of: #"joinery_join_duration_seconds_count{method="token"}"#, in: metrics.body), "1", metrics.body)
        XCTAssertFalse(metrics.body.contains(token), "the join token appears nowhere in the metrics")

        await cluster.stop()
        XCTAssertFalse(FreePort.isListening(authDiag), "the endpoint stops with the Auth server")
        XCTAssertFalse(FreePort.isListening(nodeDiag), "the endpoint stops with the node")
    }
}
