import Foundation
import TestSupport
import XCTest

/// Issue 22, item 5, through the real binaries: `teleport start --roles=…` sends every role the
/// process will run, and the Auth server admits it only when the token allows each one — as an
/// Instance when there are several, including a Proxy Service started beside a node.
final class ServiceRoleListTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// Starts `teleport start --roles=<roles>` straight to the Auth server with `token`.
    private func start(_ name: String, roles: String, token: String, extra: [String] = []) throws -> ManagedProcess {
        try cluster.startNode(name, [
            "--roles=\(roles)", "--token=\(token)", "--auth-server=\(cluster.authAddress)", "--ca-pin=\(try cluster.caPin())",
            "--data-dir=\(cluster.nodeDataDirectory(name))", "--nodename=\(name)",
        ] + extra)
    }

    /// Checks that the process gave up, stored nothing and is not listed; returns its output.
    private func refusedOutput(_ process: ManagedProcess, _ name: String,
                               file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let status = await process.waitForExit(seconds: 30)
        XCTAssertNotNil(status, "the process should give up, not hang", file: file, line: line)
        XCTAssertNotEqual(status, 0, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.nodeDataDirectory(name) + "/identity.json"),
                       "no identity may be stored", file: file, line: line)
        XCTAssertFalse(try cluster.tctl(["nodes", "ls"]).stdout.contains(name), file: file, line: line)
        return process.output
    }

    private func successfulJoinRoles(nodeName: String) throws -> [String] {
        let audit = try cluster.tctl(["audit", "ls", "--format=json"])
        return audit.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { ($0["node_name"] as? String) == nodeName && ($0["success"] as? Bool) == true }.compactMap { $0["role"] as? String }
    }

    func testAProxyOnlyTokenDoesNotStartANodeAndAnApp() async throws {
        let token = try cluster.addToken(type: "proxy")
        let process = try start("proxy-token-node-app", roles: "node,app", token: token)
        let output = try await refusedOutput(process, "proxy-token-node-app")
        XCTAssertTrue(output.contains("can not join the cluster, the token does not allow role Node"), output)
    }

    func testANodeAndAppTokenStartsANodeAndAnAppAsAnInstance() async throws {
        let token = try cluster.addToken(type: "node,app")
        let process = try start("node-app", roles: "node,app", token: token)
        let listing = try await cluster.waitForNode("node-app")
        XCTAssertTrue(listing.contains("node-app"), "tctl nodes ls: \(listing)\nprocess: \(process.output)")
        XCTAssertTrue(process.output.contains("role=Instance"), process.output)
        XCTAssertEqual(try successfulJoinRoles(nodeName: "node-app"), ["Instance"])
    }

    func testANodeTokenDoesNotStartANodeAndAProxy() async throws {
        let token = try cluster.addToken(type: "node")
        let webPort = FreePort.next()
        let process = try start("node-token-node-proxy", roles: "node,proxy", token: token, extra: try proxyConfig(webPort))
        let output = try await refusedOutput(process, "node-token-node-proxy")
        XCTAssertTrue(output.contains("can not join the cluster, the token does not allow role Proxy"), output)
        XCTAssertFalse(output.contains("Proxy Service is listening"), output)
    }

    func testANodeAndProxyTokenStartsBothAsOneInstance() async throws {
        let token = try cluster.addToken(type: "node,proxy")
        let webPort = FreePort.next()
        let process = try start("node-and-proxy", roles: "node,proxy", token: token, extra: try proxyConfig(webPort))
        let serving = await process.waitForOutput("Proxy Service is listening")
        XCTAssertTrue(serving, process.output)
        let listing = try await cluster.waitForNode("node-and-proxy")
        XCTAssertTrue(listing.contains("node-and-proxy"), "tctl nodes ls: \(listing)\nprocess: \(process.output)")
        XCTAssertEqual(try successfulJoinRoles(nodeName: "node-and-proxy"), ["Instance"])
    }

    /// `-c` with a file giving only the web address: its default (0.0.0.0:3080) is not for tests.
    private func proxyConfig(_ webPort: Int) throws -> [String] {
        let file = cluster.directory.appendingPathComponent("web-\(webPort).yaml")
        try "version: v3\nproxy_service:\n  web_listen_addr: 127.0.0.1:\(webPort)\n".write(to: file, atomically: true, encoding: .utf8)
        return ["-c", file.path]
    }
}
