import Foundation
import TestSupport
import XCTest

/// The bound-keypair seed guide (`seeds/004_*.txt`) run as written against the real binaries:
/// the registration-secret flow and the pre-registered-key flow, then what an operator meets
/// when a bot's storage is copied (spec §14 scenarios 9 and 10).
final class SeedGuideBoundKeypairTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tbot.path) else {
            throw XCTSkip("tbot binary not found at \(Self.tbot.path); run `swift build` first")
        }
        cluster = try ClusterProcesses(withProxy: true)
        try await cluster.startAuth()
        // Step 2: the bot, exactly as the guide writes bot.yaml.
        try write("bot.yaml", """
            kind: bot
            version: v1
            metadata:
              # name is a unique identifier for the Bot in the cluster.
              name: example
            spec:
              # roles is a list of roles to grant to the Bot. Don't worry if you don't know
              # what roles you need to specify here, the Access Guides will walk you through
              # creating and assigning roles to the already created Bot.
              roles: []
            """)
        try expectSuccess(cluster.tctl(["create", path("bot.yaml")]))
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

    private func tbot(_ arguments: [String]) throws -> CommandResult {
        try Command.run(Self.tbot, arguments)
    }

    /// The guide's tbot.yaml with the proxy address replaced by ours (a real Proxy Service,
    /// trusted with `ca_path` as its certificate is self-signed) and `oneshot: true`.
    private func writeTbotConfig(_ name: String, storage: String, secret: String?) throws -> String {
        let onboardingSecret = secret.map { "\n  bound_keypair:\n    registration_secret: \($0)" } ?? ""
        try write(name, """
            version: v2
            oneshot: true
            proxy_server: \(cluster.proxyAddress)
            onboarding:
              join_method: bound_keypair
              token: example\(onboardingSecret)
              ca_path: \(cluster.proxyCAPath)
            storage:
              type: directory
              path: \(storage)
            # 서비스는 접근 가이드 완료 중에 채워집니다.
            services: []
            """)
        return path(name)
    }

    private func tokenDocument() throws -> [String: Any] {
        let result = expectSuccess(try cluster.tctl(["get", "token/example", "--format=json"]))
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return try XCTUnwrap(list.first)
    }

    private func boundKeypairStatus() throws -> [String: Any] {
        let status = try XCTUnwrap(try tokenDocument()["status"] as? [String: Any])
        return try XCTUnwrap(status["bound_keypair"] as? [String: Any])
    }

    private func generations() throws -> [String] {
        let listing = expectSuccess(try cluster.tctl(["bots", "instances", "ls", "example", "--format=json"]))
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]])
        return list.compactMap { ($0["authentications"] as? [[String: Any]])?.last?["generation"] as? Int }.map(String.init)
    }

    // MARK: The guide

    func testRegistrationSecretFlow() throws {
        // Step 3: the token, as the guide writes it.
        try write("token-example.yaml", """
            kind: token
            version: v2
            metadata:
              # 이 이름은 tbot의 `onboarding.token` 필드에 사용됩니다.
              name: example
            spec:
              roles: [Bot]
              # bot_name은 이 가이드의 앞서 생성한 bot 이름과 일치해야 합니다.
              bot_name: example
              join_method: bound_keypair
              bound_keypair:
                recovery:
                  mode: standard
                  limit: 1
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-example.yaml")]))
        let secret = try XCTUnwrap(try boundKeypairStatus()["registration_secret"] as? String)
        XCTAssertEqual(secret.count, 32)

        // Step 4: tbot in one-shot mode exits 0 with its state in storage.
        let storage = path("bot")
        let config = try writeTbotConfig("tbot.yaml", storage: storage, secret: secret)
        let run = expectSuccess(try tbot(["start", "-c", config]))
        XCTAssertFalse(run.combined.contains(secret), "the registration secret must not be logged")
        for file in ["id_bkp", "id_bkp.pub", "bkp_state", "bkp_key_history.json", "bot_identity.json"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: storage + "/" + file)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, file)
        }
        let status = try boundKeypairStatus()
        XCTAssertNil(status["registration_secret"], "the secret is consumed")
        let publicKey = try String(contentsOfFile: storage + "/id_bkp.pub", encoding: .utf8)
        XCTAssertEqual(status["bound_public_key"] as? String, publicKey.trimmingCharacters(in: .whitespacesAndNewlines))

        // A second bot with the same secret fails; the first re-joins without using it.
        let other = try writeTbotConfig("tbot-other.yaml", storage: path("other-bot"), secret: secret)
        let refused = try tbot(["start", "-c", other])
        XCTAssertNotEqual(refused.status, 0, refused.combined)
        expectSuccess(try tbot(["start", "-c", config]))
        XCTAssertEqual(try generations(), ["2"], "the re-run continued the same bot instance")
    }

    func testPreRegisteredKeyFlow() throws {
        let storage = path("bot")
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let created = expectSuccess(try tbot([
            "keypair", "create", "--storage", storage, "--proxy-server=\(cluster.proxyAddress)", "--format=json",
        ]))
        let output = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])
        let publicKey = try XCTUnwrap(output["public_key"])
        XCTAssertTrue(publicKey.hasPrefix("ssh-ed25519 "), publicKey)

        try write("token-example.yaml", """
            kind: token
            version: v2
            metadata:
              name: example
            spec:
              roles: [Bot]
              join_method: bound_keypair
              bot_name: example
              bound_keypair:
                onboarding:
                  initial_public_key: "\(publicKey)"
                recovery:
                  mode: standard
                  limit: 1
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-example.yaml")]))
        XCTAssertNil(try boundKeypairStatus()["registration_secret"], "a pre-registered key needs no secret")

        try write("tbot.yaml", """
            version: v2
            oneshot: true
            proxy_server: \(cluster.proxyAddress)
            onboarding:
              join_method: bound_keypair
              token: example
              ca_path: \(cluster.proxyCAPath)
            storage:
              type: directory
              path: \(storage)
            # 출력은 접근 가이드 완료 중에 채워집니다.
            outputs: []
            """)
        expectSuccess(try tbot(["start", "-c", path("tbot.yaml")]))
        XCTAssertEqual(try boundKeypairStatus()["bound_public_key"] as? String, publicKey)
        expectSuccess(try tbot(["start", "-c", path("tbot.yaml")]))
        XCTAssertEqual(try generations(), ["2"])
    }

    func testAStaticKeyFromTheEnvironmentJoinsWithNothingInStorage() throws {
        // The key printed as JSON (not written anywhere), passed as TBOT_BOUND_KEYPAIR_STATIC_KEY.
        let created = expectSuccess(try tbot([
            "keypair", "create", "--proxy-server=\(cluster.proxyAddress)", "--static", "--format=json",
        ]))
        let output = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])
        let publicKey = try XCTUnwrap(output["public_key"])
        let privateKey = try XCTUnwrap(output["private_key"])
        XCTAssertTrue(String(decoding: try XCTUnwrap(Data(base64Encoded: privateKey)), as: UTF8.self).contains("PRIVATE KEY"))

        try write("token-example.yaml", """
            kind: token
            version: v2
            metadata:
              name: example
            spec:
              roles: [Bot]
              join_method: bound_keypair
              bot_name: example
              bound_keypair:
                onboarding:
                  initial_public_key: "\(publicKey)"
                recovery:
                  mode: insecure
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-example.yaml")]))
        let storage = path("bot")
        let config = try writeTbotConfig("tbot.yaml", storage: storage, secret: nil)
        let run = try Command.run(Self.tbot, ["start", "-c", config], environment: ["TBOT_BOUND_KEYPAIR_STATIC_KEY": privateKey])
        expectSuccess(run)
        XCTAssertFalse(run.combined.contains(privateKey), "the static key must not be logged")
        XCTAssertEqual(try boundKeypairStatus()["bound_public_key"] as? String, publicKey)
        for file in ["id_bkp", "bkp_state"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: storage + "/" + file), "a static key stores no \(file)")
        }
        // Without the key, the bot has nothing to prove itself with.
        let without = try tbot(["start", "-c", config])
        XCTAssertNotEqual(without.status, 0, without.combined)
    }

    // MARK: A copied storage directory

    func testACopiedStorageLocksTheTokenAndTheOperatorBringsTheHonestBotBack() throws {
        try write("token-example.yaml", """
            kind: token
            version: v2
            metadata:
              name: example
            spec:
              roles: [Bot]
              bot_name: example
              join_method: bound_keypair
              bound_keypair:
                recovery:
                  mode: standard
                  limit: 3
            """)
        expectSuccess(try cluster.tctl(["create", "-f", path("token-example.yaml")]))
        let secret = try XCTUnwrap(try boundKeypairStatus()["registration_secret"] as? String)
        let honest = path("honest"), copy = path("copy")
        let honestConfig = try writeTbotConfig("honest.yaml", storage: honest, secret: secret)
        expectSuccess(try tbot(["start", "-c", honestConfig]))

        // The storage is copied; both copies' certificates then expire (their identity files
        // are gone), so each must recover with the keypair and its join state.
        try FileManager.default.copyItem(atPath: honest, toPath: copy)
        for directory in [honest, copy] { try FileManager.default.removeItem(atPath: directory + "/bot_identity.json") }
        let copyConfig = try writeTbotConfig("copy.yaml", storage: copy, secret: nil)
        expectSuccess(try tbot(["start", "-c", copyConfig]))           // the copy recovers first
        let refused = try tbot(["start", "-c", honestConfig])           // its join state is now behind
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.combined.contains("join state verification failed"), refused.combined)

        // The token is locked: neither copy joins, and the audit log names the token.
        let stillLocked = try tbot(["start", "-c", copyConfig])
        XCTAssertNotEqual(stillLocked.status, 0)
        XCTAssertTrue(stillLocked.combined.contains("is locked"), stillLocked.combined)
        let locks = expectSuccess(try cluster.tctl(["get", "locks", "--format=json"]))
        let lockList = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(locks.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(lockList.count, 1)
        XCTAssertEqual(((lockList.first?["spec"] as? [String: Any])?["target"] as? [String: String])?["join_token"], "example")
        let lockName = try XCTUnwrap((lockList.first?["metadata"] as? [String: Any])?["name"] as? String)
        let audit = expectSuccess(try cluster.tctl(["audit", "ls", "--format=json"]))
        XCTAssertTrue(audit.stdout.contains("bound_keypair.join_state_verification_failed"), audit.stdout)

        // The operator removes the copy's host (here: its storage), lifts the lock and resets
        // the recovery counter so the honest bot's older join state is not required.
        try FileManager.default.removeItem(atPath: copy)
        expectSuccess(try cluster.tctl(["rm", "lock/\(lockName)"]))
        var document = try tokenDocument()
        var status = try XCTUnwrap(document["status"] as? [String: Any])
        var bound = try XCTUnwrap(status["bound_keypair"] as? [String: Any])
        bound["recovery_count"] = 0
        status["bound_keypair"] = bound
        document["status"] = status
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path("reset.json")))
        expectSuccess(try cluster.tctl(["create", "-f", path("reset.json")]))

        expectSuccess(try tbot(["start", "-c", honestConfig]))
        XCTAssertEqual(try boundKeypairStatus()["recovery_count"] as? Int, 1)
    }
}
