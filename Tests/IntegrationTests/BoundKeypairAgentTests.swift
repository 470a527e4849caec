import Foundation
import TestSupport
import XCTest

/// Bound keypairs for agents (Teleport 18.8+), against the real binaries through a real Proxy
/// Service: Teleport's own `bk-agent` token and agent teleport.yaml with
/// `join_params.bound_keypair.registration_secret_value`; the agent proving its key again at
/// every start; a copy of its `data_dir` started elsewhere caught and the token locked;
/// `tctl bound-keypair request-rotation`; and a static key made by `tbot keypair create
/// --static` joining with no registration secret and no stored state.
final class BoundKeypairAgentTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tbot.path) else {
            throw XCTSkip("tbot binary not found at \(Self.tbot.path); run `swift build` first")
        }
        cluster = try ClusterProcesses(withProxy: true)
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    // MARK: Helpers

    private func path(_ name: String) -> String { cluster.directory.appendingPathComponent(name).path }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    @discardableResult
    private func expectSuccess(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) -> CommandResult {
        XCTAssertEqual(result.status, 0, result.combined, file: file, line: line)
        return result
    }

    private func token(_ name: String) throws -> [String: Any] {
        let result = expectSuccess(try cluster.tctl(["get", "token/\(name)", "--with-secrets", "--format=json"]))
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return try XCTUnwrap(list.first)
    }

    private func status(_ name: String) throws -> [String: Any] {
        let status = try XCTUnwrap(try token(name)["status"] as? [String: Any])
        return try XCTUnwrap(status["bound_keypair"] as? [String: Any])
    }

    /// The agent teleport.yaml of Teleport's admin guide, with our proxy (trusted by its CA
    /// file, as its certificate is self-signed), a node name and the SSH service's labels.
    private func writeAgentConfig(_ name: String, dataDir: String, token: String, boundKeypair: String) throws -> String {
        try write(name, """
            version: v3
            teleport:
              nodename: \(name.replacingOccurrences(of: ".yaml", with: ""))
              data_dir: \(dataDir)
              join_params:
                token_name: \(token)
                method: bound_keypair
                bound_keypair:
            \(boundKeypair)
              proxy_server: \(cluster.proxyAddress)
              ca_path: \(cluster.proxyCAPath)
            ssh_service:
              enabled: true
              labels:
                env: example
            auth_service:
              enabled: false
            proxy_service:
              enabled: false
            """)
        return path(name)
    }

    /// Creates the admin guide's `bk-agent` token as written, and returns the registration
    /// secret the Auth server generated for it (what `tctl get token/bk-agent --with-secrets` shows).
    private func createTeleportsAgentToken() throws -> String {
        try write("token-bk-agent.yaml", """
            kind: token
            version: v2
            metadata:
              name: bk-agent
            spec:
              roles: [Node]
              join_method: bound_keypair
              bound_keypair:
                recovery:
                  mode: standard
                  limit: 1
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-bk-agent.yaml")]))
        return try XCTUnwrap(try status("bk-agent")["registration_secret"] as? String)
    }

    /// Starts `teleport start -c config` and waits until the node heartbeats as `nodeName`.
    private func startAgent(_ name: String, config: String) async throws -> ManagedProcess {
        let node = try cluster.startNode(name, ["-c", config])
        let listing = try await cluster.waitForNode(name)
        XCTAssertTrue(listing.contains(name), "the agent is not listed: \(listing)\n\(node.output)")
        return node
    }

    // MARK: Teleport's example files

    func testTeleportsAgentExampleJoinsProvesAgainAtEachStartAndRotatesOnRequest() async throws {
        let secret = try createTeleportsAgentToken()
        let dataDir = path("agent-data")
        let config = try writeAgentConfig("agent.yaml", dataDir: dataDir, token: "bk-agent",
                                          boundKeypair: "      registration_secret_value: \(secret)")

        var node = try await startAgent("agent", config: config)
        XCTAssertFalse(node.output.contains(secret), "the registration secret must not be logged")
        var bound = try status("bk-agent")
        XCTAssertNil(bound["registration_secret"], "the secret is consumed")
        XCTAssertNil(bound["bound_bot_instance_id"])
        let hostID = try XCTUnwrap(bound["bound_host_id"] as? String)
        XCTAssertEqual(try String(contentsOfFile: dataDir + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                       hostID, "the token is bound to the host that joined")
        XCTAssertEqual(bound["recovery_count"] as? Int, 1)
        let firstKey = try XCTUnwrap(bound["bound_public_key"] as? String)
        for file in ["id_bkp", "bkp_state"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dataDir + "/bound_keypair/" + file)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, file)
        }
        let firstState = try String(contentsOfFile: dataDir + "/bound_keypair/bkp_state", encoding: .utf8)
        await node.stop()

        // A restart proves the key again with the identity held: same host, no recovery used,
        // a new join state.
        node = try await startAgent("agent", config: config)
        let proved = await node.waitForOutput("proved the join method again")
        XCTAssertTrue(proved, node.output)
        bound = try status("bk-agent")
        XCTAssertEqual(bound["bound_host_id"] as? String, hostID)
        XCTAssertEqual(bound["recovery_count"] as? Int, 1, "a re-join with a current identity is not a recovery")
        XCTAssertNotEqual(try String(contentsOfFile: dataDir + "/bound_keypair/bkp_state", encoding: .utf8), firstState)
        await node.stop()

        // The operator asks for a rotation; the next start generates and binds a new key.
        let requested = expectSuccess(try cluster.tctl(["bound-keypair", "request-rotation", "bk-agent"]))
        XCTAssertTrue(requested.stdout.contains("Token rotation flag has been set"), requested.combined)
        XCTAssertNotNil(try XCTUnwrap(try token("bk-agent")["spec"] as? [String: Any])["bound_keypair"])
        node = try await startAgent("agent", config: config)
        let provedAgain = await node.waitForOutput("proved the join method again")
        XCTAssertTrue(provedAgain, node.output)
        bound = try status("bk-agent")
        let rotatedKey = try XCTUnwrap(bound["bound_public_key"] as? String)
        XCTAssertNotEqual(rotatedKey, firstKey, "the key rotated")
        XCTAssertNotNil(bound["last_rotated_at"])
        XCTAssertEqual(try String(contentsOfFile: dataDir + "/bound_keypair/id_bkp.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), rotatedKey)
        await node.stop()

        // A request for a token of another method is refused in Teleport's words.
        let other = try cluster.addToken()
        let refused = try cluster.tctl(["bound-keypair", "request-rotation", other])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.combined.contains("is of type token, not bound_keypair"), refused.combined)
    }

    func testTheFullSpecExampleForNodesIsAcceptedAndABotNameOrMixedRolesAreNot() throws {
        try write("token-example.yaml", """
            kind: token
            version: v2
            metadata:
              name: example-token
            spec:
              roles: [Node]
              join_method: bound_keypair
              bound_keypair:
                onboarding:
                  initial_public_key: ""
                  registration_secret: ""
                  must_register_before: ""
                recovery:
                  limit: 1
                  mode: "standard"
                rotate_after: ""
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-example.yaml")]))
        XCTAssertNotNil(try status("example-token")["registration_secret"])

        try write("mixed.yaml", """
            kind: token
            version: v2
            metadata:
              name: mixed
            spec:
              roles: [Bot, Node]
              bot_name: robot
              join_method: bound_keypair
            """)
        let mixed = try cluster.tctl(["create", "-f", path("mixed.yaml")])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.combined.contains("joins either one bot"), mixed.combined)
    }

    // MARK: A copied data_dir

    func testACopiedDataDirIsCaughtAndTheTokenLocked() async throws {
        let secret = try createTeleportsAgentToken()
        let secretFile = path("secret")
        try write("secret", secret + "\n")
        let honest = path("honest-data"), copy = path("copy-data")
        let honestConfig = try writeAgentConfig("honest.yaml", dataDir: honest, token: "bk-agent",
                                                boundKeypair: "      registration_secret_path: \(secretFile)")
        var node = try await startAgent("honest", config: honestConfig)
        await node.stop()

        // The whole data_dir is copied to another machine; the honest agent restarts first and
        // its join state moves on.
        try FileManager.default.copyItem(atPath: honest, toPath: copy)
        node = try await startAgent("honest", config: honestConfig)
        let proved = await node.waitForOutput("proved the join method again")
        XCTAssertTrue(proved, node.output)
        await node.stop()

        // The copy holds the same identity and key, but an older join state: refused, and the
        // token is locked.
        let copyConfig = try writeAgentConfig("copy.yaml", dataDir: copy, token: "bk-agent",
                                              boundKeypair: "      registration_secret_path: \(secretFile)")
        let clone = try cluster.startNode("copy", ["-c", copyConfig])
        let exit = await clone.waitForExit(seconds: 30)
        XCTAssertNotNil(exit, "the copy must not run: \(clone.output)")
        XCTAssertNotEqual(exit, 0)
        XCTAssertTrue(clone.output.contains("join state verification failed"), clone.output)
        let locks = expectSuccess(try cluster.tctl(["get", "locks", "--format=json"]))
        let lockList = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(locks.stdout.utf8)) as? [[String: Any]])
        let targets = lockList.compactMap { ($0["spec"] as? [String: Any])?["target"] as? [String: String] }
        XCTAssertTrue(targets.contains { $0["join_token"] == "bk-agent" }, "\(targets)")
        let hostID = try String(contentsOfFile: honest + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(targets.contains { $0["server_id"] == hostID }, "the host is locked too: \(targets)")
        let audit = expectSuccess(try cluster.tctl(["audit", "ls", "--format=json"]))
        XCTAssertTrue(audit.stdout.contains("bound_keypair.join_state_verification_failed"), audit.stdout)

        // The honest agent is held by the lock too until the operator investigates.
        let held = try cluster.startNode("honest-again", ["-c", honestConfig])
        let heldExit = await held.waitForExit(seconds: 30)
        XCTAssertNotEqual(heldExit ?? 0, 0, held.output)
        XCTAssertTrue(held.output.contains("locked"), held.output)
    }

    // MARK: A static key

    func testAStaticKeyJoinsWithoutARegistrationSecretOrStoredState() async throws {
        let keyPath = path("static-key")
        let created = expectSuccess(try Command.run(Self.tbot, [
            "keypair", "create", "--proxy-server=\(cluster.proxyAddress)", "--static", "--static-key-path", keyPath,
        ]))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertTrue(created.stdout.contains("'insecure'"), created.stdout)
        let publicKey = try XCTUnwrap(created.stdout.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("ssh-") })
        XCTAssertFalse(created.stdout.contains("PRIVATE KEY"), "a key written to a file is not printed")

        // Run again: the same key is printed, not replaced.
        let again = expectSuccess(try Command.run(Self.tbot, [
            "keypair", "create", "--proxy-server=\(cluster.proxyAddress)", "--static", "--static-key-path", keyPath,
        ]))
        XCTAssertTrue(again.stdout.contains(publicKey), again.combined)

        try write("token-static.yaml", """
            kind: token
            version: v2
            metadata:
              name: bk-agent-static
            spec:
              roles: [Node]
              join_method: bound_keypair
              bound_keypair:
                onboarding:
                  initial_public_key: "\(publicKey)"
                recovery:
                  mode: insecure
                  limit: 1
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-static.yaml")]))
        XCTAssertNil(try status("bk-agent-static")["registration_secret"])

        let dataDir = path("static-data")
        let config = try writeAgentConfig("static.yaml", dataDir: dataDir, token: "bk-agent-static",
                                          boundKeypair: "      static_key_path: \(keyPath)")
        let node = try await startAgent("static", config: config)
        XCTAssertEqual(try status("bk-agent-static")["bound_public_key"] as? String, publicKey)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir + "/bound_keypair/bkp_state"),
                       "a static key keeps no join state")
        await node.stop()

        // The same key in standard mode is refused when the token is created, with what to do.
        try write("token-static-standard.yaml", """
            kind: token
            version: v2
            metadata:
              name: bk-agent-standard
            spec:
              roles: [Node]
              join_method: bound_keypair
              bound_keypair:
                onboarding:
                  initial_public_key: "\(publicKey)"
            """)
        let refused = try cluster.tctl(["create", "-f", path("token-static-standard.yaml")])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.combined.contains("set spec.bound_keypair.recovery.mode to insecure"), refused.combined)
    }
}
