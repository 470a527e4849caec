import Foundation
import TestSupport
import XCTest

/// Security rule 1 with the real binaries at debug level: a static token, a token-method
/// token, a bot token and a bound-keypair registration secret are each used (successfully and
/// in failed attempts), then every log line the Auth server, the nodes and tbot wrote and every
/// audit event are searched for each secret. Private keys are searched for too.
final class SecretsNeverLoggedTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }
    private let staticSecret = "static-secret-" + UUID().uuidString.lowercased()

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tbot.path) else {
            throw XCTSkip("tbot binary not found at \(Self.tbot.path); run `swift build` first")
        }
        cluster = try ClusterProcesses(staticTokens: ["node:\(staticSecret)"])
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private func path(_ name: String) -> String { cluster.directory.appendingPathComponent(name).path }

    private func join(_ name: String, token: String) async throws -> ManagedProcess {
        let node = try cluster.startNode(name, [
            "--roles=node", "--auth-server=\(cluster.authAddress)", "--data-dir=\(cluster.nodeDataDirectory(name))",
            "--nodename=\(name)", "--token=\(token)", "--ca-pin=\(try cluster.caPin())", "--debug",
        ])
        _ = await node.waitForOutput("heartbeating to the Auth server", seconds: 30)
        return node
    }

    private func tbot(_ config: String) throws -> CommandResult {
        try Command.run(Self.tbot, ["start", "-c", config, "--debug"])
    }

    func testNoSecretAppearsInAnyLogOrAuditEvent() async throws {
        // Static and token-method node joins, plus failed attempts with wrong values.
        let nodeToken = try cluster.addToken()
        let staticNode = try await join("static-node", token: staticSecret)
        let tokenNode = try await join("token-node", token: nodeToken)
        let wrong = "wrong-secret-" + UUID().uuidString.lowercased()
        let refused = try await join("refused-node", token: wrong)
        _ = await refused.waitForExit(seconds: 30)
        XCTAssertTrue(staticNode.output.contains("heartbeating to the Auth server"), staticNode.output)
        XCTAssertTrue(tokenNode.output.contains("heartbeating to the Auth server"), tokenNode.output)
        XCTAssertTrue(refused.output.contains("token expired or not found"), refused.output)

        // A token-method bot and a bound-keypair bot onboarding with a registration secret.
        try "kind: bot\nversion: v1\nmetadata:\n  name: secretive\nspec:\n  roles: []\n".write(
            toFile: path("bot.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try cluster.tctl(["create", path("bot.yaml")]).status, 0)
        let botToken = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try """
        kind: token
        version: v2
        metadata: {name: \(botToken)}
        spec: {roles: [Bot], bot_name: secretive, join_method: token}
        ---
        kind: token
        version: v2
        metadata: {name: secretive-bkp}
        spec:
          roles: [Bot]
          bot_name: secretive
          join_method: bound_keypair
          bound_keypair: {recovery: {mode: relaxed}}
        """.write(toFile: path("tokens.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try cluster.tctl(["create", "-f", path("tokens.yaml")]).status, 0)
        let statusJSON = try cluster.tctl(["get", "token/secretive-bkp", "--format=json"]).stdout
        let registration = try XCTUnwrap(
            ((try JSONSerialization.jsonObject(with: Data(statusJSON.utf8)) as? [[String: Any]])?.first?["status"]
                as? [String: Any]).flatMap { $0["bound_keypair"] as? [String: Any] }?["registration_secret"] as? String)
        let pin = try cluster.caPin()
        func tbotConfig(_ name: String, method: String, token: String, secret: String?) throws -> String {
            let secretLine = secret.map { "\n  bound_keypair:\n    registration_secret: \($0)" } ?? ""
            try """
            version: v2
            oneshot: true
            auth_server: \(cluster.authAddress)
            onboarding:
              join_method: \(method)
              token: \(token)
              ca_pins: ["\(pin)"]\(secretLine)
            storage: {type: directory, path: \(path(name))}
            services: [{type: identity, destination: {type: directory, path: \(path(name + "-out"))}}]
            """.write(toFile: path(name + ".yaml"), atomically: true, encoding: .utf8)
            return path(name + ".yaml")
        }
        var botOutput = ""
        for (config, shouldSucceed) in [
            (try tbotConfig("token-bot", method: "token", token: botToken, secret: nil), true),
            (try tbotConfig("token-bot-again", method: "token", token: botToken, secret: nil), false),
            (try tbotConfig("bkp-bot", method: "bound_keypair", token: "secretive-bkp", secret: registration), true),
            (try tbotConfig("bkp-thief", method: "bound_keypair", token: "secretive-bkp", secret: registration), false),
        ] {
            let run = try tbot(config)
            XCTAssertEqual(run.status == 0, shouldSucceed, run.combined)
            botOutput += run.combined
        }

        // Everything written: the Auth server's and nodes' logs, tbot's output, the audit log.
        let audit = try cluster.tctl(["audit", "ls", "--format=json", "--limit=1000"]).stdout
        let logs = [cluster.auth?.output ?? "", staticNode.output, tokenNode.output, refused.output, botOutput, audit]
        // The Auth server runs with `severity: DEBUG` (ClusterProcesses), the others with --debug.
        XCTAssertTrue(logs[0].contains("join attempt succeeded") && logs[0].contains("join attempt rejected"), logs[0])
        XCTAssertTrue(audit.contains("bot.join") && audit.contains("instance.join"), "the attempts were audited")
        let privateKeys = try [path("bkp-bot/id_bkp"), cluster.nodeDataDirectory("token-node") + "/identity.json"].map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }
        let keyMaterial = privateKeys.flatMap { text in
            // The base64 body lines of every PEM private key the clients hold.
            text.replacingOccurrences(of: "\\n", with: "\n").split(separator: "\n").map(String.init)
                .filter { $0.count >= 40 && !$0.contains("-----") && !$0.contains("\"") }
        }
        XCTAssertFalse(keyMaterial.isEmpty)
        for (name, secret) in [("static token", staticSecret), ("node token", nodeToken), ("wrong token", wrong),
                               ("bot token", botToken), ("registration secret", registration)] {
            for (index, log) in logs.enumerated() {
                XCTAssertFalse(log.contains(secret), "the \(name) appears in log \(index)")
            }
        }
        for line in keyMaterial {
            for (index, log) in logs.enumerated() {
                XCTAssertFalse(log.contains(line), "private key material appears in log \(index)")
            }
        }
    }
}
