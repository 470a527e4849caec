import Foundation
import TestSupport
import XCTest

/// The first seed guide ("joining services with a secure token"), command by command, against
/// the real binaries: Auth server up, `tctl tokens add`, `teleport start` with token and CA
/// pin, `tctl nodes ls` listing the node, restart reusing the identity, `tctl tokens rm`.
final class SeedGuideTokenJoinTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    func testNodeJoinsWithTokenAndCAPinAndIsListedThenRestartsWithoutJoining() async throws {
        let pin = try cluster.caPin()
        let add = try cluster.tctl(["tokens", "add", "--ttl=5m", "--type=node"])
        XCTAssertEqual(add.status, 0, add.combined)
        XCTAssertTrue(add.stdout.contains("This token will expire in 5 minutes."))
        XCTAssertTrue(add.stdout.contains("--ca-pin=\(pin)"), add.stdout)
        let token = try XCTUnwrap(add.stdout.split(separator: "\n").first?.replacingOccurrences(of: "The invite token: ", with: ""))
        XCTAssertEqual(token.count, 32, "a generated token is 16 random bytes in hex")

        let listed = try cluster.tctl(["tokens", "ls"])
        XCTAssertTrue(listed.stdout.contains("Node"))
        XCTAssertFalse(listed.stdout.contains(token), "tokens ls masks token values")
        XCTAssertTrue(listed.stdout.contains(String(token.suffix(8))))

        let dataDir = cluster.nodeDataDirectory("node-one")
        let node = try cluster.startNode("node-one", [
            "--roles=node", "--token=\(token)", "--ca-pin=\(pin)", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(dataDir)", "--nodename=node-one", "--labels=env=staging,team=core",
        ])
        let table = try await cluster.waitForNode("node-one")
        XCTAssertTrue(table.contains("env=staging,team=core"), table)
        XCTAssertTrue(table.hasPrefix("Host"), table)
        let hostID = try String(contentsOfFile: dataDir + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(table.contains(hostID))

        XCTAssertEqual(try permissions(dataDir), 0o700)
        XCTAssertEqual(try permissions(dataDir + "/identity.json"), 0o600)
        XCTAssertEqual(try permissions(dataDir + "/keys/ssh_host_key"), 0o600)
        XCTAssertEqual(try permissions(dataDir + "/keys/host.key"), 0o600)

        await node.stop()
        let restarted = try cluster.startNode("node-one-again", [
            "--roles=node", "--token=not-the-token-anymore", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(dataDir)", "--nodename=node-one",
        ])
        let reused = await restarted.waitForOutput("heartbeating to the Auth server")
        XCTAssertTrue(reused, restarted.output)
        XCTAssertTrue(restarted.output.contains("not joining again"))
        let hostIDAfter = try String(contentsOfFile: dataDir + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(hostIDAfter, hostID)

        let removed = try cluster.tctl(["tokens", "rm", token])
        XCTAssertEqual(removed.stdout, "Token \(token) has been deleted\n")
        XCTAssertFalse(try cluster.tctl(["tokens", "ls", "--with-secrets"]).stdout.contains(token))

        let authLog = cluster.auth?.output ?? ""
        XCTAssertTrue(authLog.contains("DEBUG") || authLog.contains("INFO"))
        XCTAssertFalse(authLog.contains(token), "the token value must never reach the Auth server's log")
        XCTAssertFalse(node.output.contains(token))
        let audit = try cluster.tctl(["audit", "ls", "--format=json"])
        XCTAssertTrue(audit.stdout.contains("\"success\":true") || audit.stdout.contains("\"success\" : true"), audit.stdout)
        XCTAssertFalse(audit.stdout.contains(token), "audit events carry masked token names only")
    }

    func testStaticTokenFromConfigJoinsAndCannotBeRemoved() async throws {
        await cluster.stop()
        cluster = try ClusterProcesses(staticTokens: ["proxy,node:static-secret-value-0123"])
        try await cluster.startAuth()
        let node = try cluster.startNode("static-node", [
            "--roles=node", "--token=static-secret-value-0123", "--ca-pin=\(try cluster.caPin())",
            "--auth-server=\(cluster.authAddress)", "--data-dir=\(cluster.nodeDataDirectory("static-node"))",
            "--nodename=static-node",
        ])
        let table = try await cluster.waitForNode("static-node")
        XCTAssertTrue(table.contains("static-node"), node.output)
        let removal = try cluster.tctl(["tokens", "rm", "static-secret-value-0123"])
        XCTAssertNotEqual(removal.status, 0)
        XCTAssertTrue(removal.stderr.contains("statically configured and cannot be removed"), removal.stderr)
        XCTAssertFalse(removal.stderr.contains("static-secret-value-0123"))
        XCTAssertFalse(cluster.auth?.output.contains("static-secret-value-0123") ?? true)
    }

    func testConfigFileWrittenByNodeConfigureJoins() async throws {
        let token = try cluster.addToken()
        let config = cluster.directory.appendingPathComponent("node.yaml").path
        let dataDir = cluster.nodeDataDirectory("configured-node")
        let configure = try Command.run(ClusterProcesses.teleport, [
            "node", "configure", "--output=file://\(config)", "--token=\(token)", "--auth-server=\(cluster.authAddress)",
            "--ca-pin=\(try cluster.caPin())", "--data-dir=\(dataDir)", "--node-name=configured-node", "--labels=role=db",
        ])
        XCTAssertEqual(configure.status, 0, configure.combined)
        let node = try cluster.startNode("configured-node", ["-c", config])
        let table = try await cluster.waitForNode("configured-node")
        XCTAssertTrue(table.contains("role=db"), table + node.output)
    }

    private func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
