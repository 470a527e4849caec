import Foundation
import TestSupport
import XCTest

/// Issue 22, items 1 and 2, through the real binaries: a node heartbeating every second loses
/// the Auth server (stopped, then started again on the same data_dir and port). While it is
/// gone each failure is one plain sentence with the address and the reason, free of gRPC's
/// internals; when it is back the node logs "heartbeat recovered" with how many beats failed
/// and since when. The lines name the address the node dials: `auth_server=` straight to the
/// Auth server, `proxy=` through a Proxy Service.
final class HeartbeatRecoveryTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func tearDown() async throws {
        await cluster?.stop()
    }

    /// What no heartbeat line may show: gRPC's and NIO's own vocabulary.
    private static let internals = ["RPCError", "code: unavailable", "GRPCCore", "transient failure", "errno", "IOError", "NIOSSL"]

    private func assertPlainHeartbeatLines(_ output: String, file: StaticString = #filePath, line: UInt = #line) {
        let lines = output.split(separator: "\n").filter { $0.contains("heartbeat") }
        for text in lines {
            for word in Self.internals {
                XCTAssertFalse(text.contains(word), "gRPC internals in: \(text)", file: file, line: line)
            }
        }
    }

    /// Stops the Auth server until `failure` shows in the node's output, then starts it again
    /// and waits for the recovery line; returns that line.
    private func loseAndRecover(_ node: ManagedProcess, failure: String) async throws -> String {
        await cluster.auth?.stop()
        let failed = await node.waitForOutput(failure, seconds: 30)
        XCTAssertTrue(failed, "expected \(failure) in:\n\(node.output)")
        try await cluster.startAuth()
        let recovered = await node.waitForOutput("heartbeat recovered", seconds: 30)
        XCTAssertTrue(recovered, node.output)
        return node.output.split(separator: "\n").last { $0.contains("heartbeat recovered") }.map(String.init) ?? ""
    }

    /// Starts a cluster (with a Proxy Service when asked) and a node named `name` joining with
    /// `reaching` (the address and trust flags).
    private func startClusterAndNode(_ name: String, withProxy: Bool, reaching: (ClusterProcesses) throws -> [String]) async throws -> ManagedProcess {
        cluster = try ClusterProcesses(withProxy: withProxy)
        try await cluster.startAuth()
        let token = try cluster.addToken()
        return try cluster.startNode(name, ["--roles=node", "--token=\(token)", "--data-dir=\(cluster.nodeDataDirectory(name))",
                                           "--nodename=\(name)"] + reaching(cluster))
    }

    func testANodeLogsPlainFailuresWhileTheAuthServerIsDownAndARecoveryWhenItIsBack() async throws {
        let node = try await startClusterAndNode("direct-node", withProxy: false) {
            ["--auth-server=\($0.authAddress)", "--ca-pin=\(try $0.caPin())"]
        }
        let heartbeating = await node.waitForOutput("heartbeating to the Auth server auth_server=\(cluster.authAddress)")
        XCTAssertTrue(heartbeating, node.output)
        XCTAssertTrue(node.output.contains("joining the cluster auth_server=\(cluster.authAddress)"), node.output)

        let recovery = try await loseAndRecover(
            node, failure: "heartbeat failed: cannot reach the Auth server at \(cluster.authAddress) (connection refused); retrying in ")
        XCTAssertTrue(recovery.contains("auth_server=\(cluster.authAddress)"), recovery)
        XCTAssertTrue(recovery.range(of: "failed_heartbeats=[1-9][0-9]*", options: .regularExpression) != nil, recovery)
        XCTAssertTrue(recovery.range(of: "failing_since=20[0-9-]+T[0-9:]+Z", options: .regularExpression) != nil, recovery)
        assertPlainHeartbeatLines(node.output)
        let listing = try await cluster.waitForNode("direct-node")
        XCTAssertTrue(listing.contains("direct-node"), listing)
    }

    func testANodeBehindAProxyNamesTheProxyInItsLinesAndRecoversToo() async throws {
        let node = try await startClusterAndNode("proxied-node", withProxy: true) {
            ["--proxy=\($0.proxyAddress)", "--ca-path=\($0.proxyCAPath)"]
        }
        let heartbeating = await node.waitForOutput("heartbeating to the Auth server")
        XCTAssertTrue(heartbeating, node.output)
        let joining = node.output.split(separator: "\n").first { $0.contains("joining the cluster") }.map(String.init) ?? ""
        XCTAssertTrue(joining.contains("proxy=\(cluster.proxyAddress)"), joining)
        let beating = node.output.split(separator: "\n").first { $0.contains("heartbeating to the Auth server") }.map(String.init) ?? ""
        XCTAssertTrue(beating.contains("proxy=\(cluster.proxyAddress)"), beating)
        XCTAssertFalse(node.output.contains("auth_server="), node.output)

        // The Proxy Service runs in the Auth server's process here, so it goes away too.
        let recovery = try await loseAndRecover(
            node, failure: "heartbeat failed: cannot reach the Proxy Service at \(cluster.proxyAddress) (connection refused); retrying in ")
        XCTAssertTrue(recovery.contains("proxy=\(cluster.proxyAddress)"), recovery)
        XCTAssertFalse(node.output.contains("auth_server="), node.output)
        assertPlainHeartbeatLines(node.output)
    }
}
