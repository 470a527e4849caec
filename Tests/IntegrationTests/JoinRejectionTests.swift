import Foundation
import TestSupport
import XCTest

/// Every way a join should fail, through the real binaries: each with a clear message, and
/// nothing stored (no identity written, no node listed).
final class JoinRejectionTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// Starts a node that must fail; returns its output after checking it exited non-zero and
    /// stored nothing.
    private func failingJoin(_ name: String, _ extra: [String], file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let dataDir = cluster.nodeDataDirectory(name)
        let node = try cluster.startNode(name, ["--roles=node", "--auth-server=\(cluster.authAddress)", "--data-dir=\(dataDir)",
                                                "--nodename=\(name)"] + extra)
        let status = await node.waitForExit(seconds: 30)
        XCTAssertNotNil(status, "the node should give up, not hang", file: file, line: line)
        XCTAssertNotEqual(status, 0, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir + "/identity.json"), "no identity may be stored", file: file, line: line)
        let nodes = try cluster.tctl(["nodes", "ls"]).stdout
        XCTAssertFalse(nodes.contains(name), file: file, line: line)
        return node.output
    }

    func testWrongPinIsRejected() async throws {
        let token = try cluster.addToken()
        let output = try await failingJoin("wrong-pin", ["--token=\(token)", "--ca-pin=sha256:" + String(repeating: "0", count: 64)])
        XCTAssertTrue(output.contains("does not match any provided pin"), output)
        // The Auth server's own certificate: no hint that the address is a Proxy Service.
        XCTAssertFalse(output.contains("looks like a Proxy Service"), output)
    }

    func testMalformedPinsAreRejected() async throws {
        let token = try cluster.addToken()
        var output = try await failingJoin("bad-pin-1", ["--token=\(token)", "--ca-pin=md5:abcd"])
        XCTAssertTrue(output.contains("sha256 only supported hashing algorithm for certificate pin"), output)
        output = try await failingJoin("bad-pin-2", ["--token=\(token)", "--ca-pin=nocolon"])
        XCTAssertTrue(output.contains("invalid format for certificate pin, expected algorithm:pin"), output)
    }

    func testUnknownAndExpiredTokensGiveTheSameMessage() async throws {
        let pin = try cluster.caPin()
        var output = try await failingJoin("unknown-token", ["--token=0123456789abcdef0123456789abcdef", "--ca-pin=\(pin)"])
        XCTAssertTrue(output.contains("token expired or not found"), output)
        let shortLived = try cluster.addToken(ttl: "1s")
        try await Task.sleep(for: .seconds(2))
        output = try await failingJoin("expired-token", ["--token=\(shortLived)", "--ca-pin=\(pin)"])
        XCTAssertTrue(output.contains("token expired or not found"), output)
    }

    func testRoleTheTokenDoesNotAllowIsRejected() async throws {
        let proxyToken = try cluster.addToken(type: "proxy")
        let output = try await failingJoin("wrong-role", ["--token=\(proxyToken)", "--ca-pin=\(try cluster.caPin())"])
        XCTAssertTrue(output.contains("the token does not allow role Node"), output)
    }

    func testUnknownJoinMethodIsRejectedWithTheAvailableNames() async throws {
        let token = try cluster.addToken()
        let output = try await failingJoin("bad-method", ["--token=\(token)", "--join-method=telepathy", "--ca-pin=\(try cluster.caPin())"])
        XCTAssertTrue(output.contains("unknown join method \"telepathy\""), output)
        XCTAssertTrue(output.contains("available join methods: azure, azure_devops, bitbucket, bound_keypair, circleci, ec2, env0, gcp, "
            + "generic_oidc, github, gitlab, iam, kubernetes, spacelift, static, terraform_cloud, token, tpm"), output)
    }

    func testMalformedTeleportYAMLNamesTheFileAndField() async throws {
        let path = cluster.directory.appendingPathComponent("broken.yaml").path
        try "version: v3\nteleport:\n  join_parms:\n    token_name: x\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Command.run(ClusterProcesses.teleport, ["start", "-c", path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(path), result.stderr)
        XCTAssertTrue(result.stderr.contains("teleport.join_parms"), result.stderr)
    }

    func testMalformedTokenYAMLNamesTheFileAndFieldAndStoresNothing() async throws {
        let path = cluster.directory.appendingPathComponent("token.yaml").path
        try """
        kind: token
        version: v2
        metadata:
          name: misspelt-token
        spec:
          roles: [Node]
          join_methd: token
        """.write(toFile: path, atomically: true, encoding: .utf8)
        var result = try cluster.tctl(["create", path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(path) && result.stderr.contains("spec.join_methd"), result.stderr)
        try "kind: token\nmetadata:\n  name: t\nspec:\n  roles: [Nod]\n".write(toFile: path, atomically: true, encoding: .utf8)
        result = try cluster.tctl(["create", path])
        XCTAssertTrue(result.stderr.contains("spec.roles") && result.stderr.contains("role Nod is not registered"), result.stderr)
        try "kind: token\nmetadata: [unclosed\n".write(toFile: path, atomically: true, encoding: .utf8)
        result = try cluster.tctl(["create", path])
        XCTAssertTrue(result.stderr.contains(path), result.stderr)
        let tokens = try cluster.tctl(["tokens", "ls"])
        XCTAssertEqual(tokens.stdout, "No active tokens found.\n")
    }

    func testSecondAuthServerOnTheSamePortFailsWithAClearMessage() throws {
        let result = try Command.run(ClusterProcesses.teleport, ["start", "-c", cluster.configFile.path], timeout: 20)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("already in use"), result.stderr)
    }
}
