import Foundation
import TestSupport
import XCTest

/// Issue 15, items 4 and 6, through the real binaries: `tctl` and the Auth server refuse every
/// way to make a token that leads to Admin or Auth, and a lock on a running node stops its
/// heartbeats and takes it out of `tctl nodes ls`.
final class UnjoinableRoleAndLockProcessTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func tearDown() async throws {
        await cluster?.stop()
    }

    func testTctlRefusesTokensForAdminAndAuthEveryWay() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()

        let admin = try cluster.tctl(["tokens", "add", "--type=admin", "--format=text"])
        XCTAssertNotEqual(admin.status, 0, admin.combined)
        XCTAssertTrue(admin.stderr.contains("role Admin cannot be granted by a join token: it is tctl's identity"), admin.combined)

        let nodesAdd = try cluster.tctl(["nodes", "add", "--roles=node,auth"])
        XCTAssertNotEqual(nodesAdd.status, 0, nodesAdd.combined)
        XCTAssertTrue(nodesAdd.stderr.contains("role Auth cannot be granted by a join token"), nodesAdd.combined)

        let file = cluster.directory.appendingPathComponent("admin-token.yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: admin-token-from-file-0123456789
        spec:
          roles: [Admin]
          join_method: token
        """.write(to: file, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", file.path])
        XCTAssertNotEqual(created.status, 0, created.combined)
        XCTAssertTrue(created.stderr.contains("role Admin cannot be granted by a join token"), created.combined)

        let listed = try cluster.tctl(["tokens", "ls", "--format=json"])
        XCTAssertEqual(listed.status, 0, listed.combined)
        XCTAssertFalse(listed.stdout.contains("Admin"), listed.stdout)
        XCTAssertFalse(listed.stdout.contains("\"Auth\""), listed.stdout)
    }

    func testAStaticAdminTokenStopsTheAuthServerAtStartNamingTheFileAndEntry() async throws {
        cluster = try ClusterProcesses(staticTokens: ["node:static-node-secret-0123", "admin:static-admin-secret-0123"])
        let auth = try ManagedProcess(ClusterProcesses.teleport, ["start", "-c", cluster.configFile.path],
                                      logDirectory: cluster.directory, name: "refused-auth")
        let status = await auth.waitForExit(seconds: 30)
        await auth.stop()
        XCTAssertNotNil(status, "the Auth server must refuse to start, not serve")
        XCTAssertNotEqual(status, 0)
        let output = auth.output
        XCTAssertTrue(output.contains(cluster.configFile.path), output)
        XCTAssertTrue(output.contains("auth_service.tokens[1] (roles \"Admin\"): role Admin cannot be granted by a join token"), output)
        XCTAssertFalse(output.contains("static-admin-secret-0123"), "the token value is a secret")
        XCTAssertFalse(output.contains("Auth service is listening"), output)
    }

    func testALockOnARunningNodeRefusesItsHeartbeatsAndHidesItFromNodesLs() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
        let token = try cluster.addToken()
        let dataDir = cluster.nodeDataDirectory("lock-node")
        let node = try cluster.startNode("lock-node", [
            "--roles=node", "--token=\(token)", "--ca-pin=\(try cluster.caPin())", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(dataDir)", "--nodename=lock-node",
        ])
        let table = try await cluster.waitForNode("lock-node")
        XCTAssertTrue(table.contains("lock-node"), table + node.output)
        let hostID = try String(contentsOfFile: dataDir + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        let lockFile = cluster.directory.appendingPathComponent("lock.yaml")
        try """
        kind: lock
        version: v2
        metadata:
          name: lock-node-now
        spec:
          target:
            server_id: \(hostID)
          message: "decommissioned"
        """.write(to: lockFile, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", lockFile.path])
        XCTAssertEqual(created.status, 0, created.combined)

        let listing = try cluster.tctl(["nodes", "ls"]).stdout
        XCTAssertFalse(listing.contains("lock-node"), "a locked node drops out at once: \(listing)")
        let refused = await node.waitForOutput("server_id=\(hostID) is locked: decommissioned", seconds: 20)
        XCTAssertTrue(refused, node.output)
    }
}
