import CLIKit
import CLISupport
import Foundation
import JoinCore
import XCTest

/// tctl tables and texts, checked against the outputs in Teleport's join guide (seed 000).
final class TctlOutputTests: XCTestCase {
    private let firstToken = "2a5b1c8e9f3d4a6b7c8d9e0f1a2b3c4d"
    private let secondToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    private let pin = "sha256:" + String(repeating: "7e", count: 32)

    private func utc(_ text: String) -> Date { RFC3339.parse(text)! }

    func testTokensTableMatchesTheGuide() {
        let token = ProvisionToken(name: firstToken, roles: [.node], joinMethod: "token", expires: utc("2023-03-30T18:15:00Z"))
        let listing = TokenListing(tokens: [token], withSecrets: true) { _ in true }
        let now = utc("2023-03-30T18:12:52Z")
        XCTAssertEqual(listing.table(now: now), """
            Token                            Type Labels Expiry Time (UTC)
            -------------------------------- ---- ------ --------------------------
            \(firstToken) Node        30 Mar 23 18:15 UTC (2m8s)

            """)
    }

    func testTokensAreSortedByExpiryAndMaskedWithoutSecrets() {
        let proxy = ProvisionToken(name: secondToken, roles: [.proxy], joinMethod: "token", expires: utc("2023-03-30T18:24:03Z"))
        let node = ProvisionToken(name: firstToken, roles: [.node], joinMethod: "token", expires: utc("2023-03-30T18:20:00Z"))
        let listing = TokenListing(tokens: [proxy, node]) { $0.spec.joinMethod == "token" }
        let now = utc("2023-03-30T18:19:24Z")
        let maskedFirst = String(repeating: "*", count: 24) + firstToken.suffix(8)
        let maskedSecond = String(repeating: "*", count: 24) + secondToken.suffix(8)
        XCTAssertEqual(listing.table(now: now), """
            Token                            Type  Labels Expiry Time (UTC)
            -------------------------------- ----- ------ ---------------------------
            \(maskedFirst) Node         30 Mar 23 18:20 UTC (36s)
            \(maskedSecond) Proxy        30 Mar 23 18:24 UTC (4m39s)

            """)
        XCTAssertEqual(listing.names(), "\(maskedFirst)\n\(maskedSecond)\n")
    }

    func testPublicNamesAreNotMaskedAndStaticTokensNeverExpire() {
        let ec2 = ProvisionToken(name: "ec2-fleet", roles: [.node, .proxy], joinMethod: "ec2", expires: utc("2023-03-30T19:00:00Z"))
        var staticToken = ProvisionToken(name: "static-secret-value", roles: [.node], joinMethod: "token", expires: nil)
        staticToken.metadata.labels = ["teleport.dev/origin": "config-file"]
        let listing = TokenListing(tokens: [ec2, staticToken]) { $0.spec.joinMethod != "ec2" }
        let table = listing.table(now: utc("2023-03-30T18:00:00Z"))
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[2].hasPrefix("**************value Node"), lines[2])
        XCTAssertTrue(lines[2].hasSuffix("teleport.dev/origin=config-file never"), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("ec2-fleet "), lines[3])
        XCTAssertTrue(lines[3].contains("Node,Proxy"), lines[3])
        XCTAssertTrue(lines[3].hasSuffix("30 Mar 23 19:00 UTC (1h0m0s)"), lines[3])
    }

    func testEmptyTokenListSaysSo() throws {
        let listing = TokenListing(tokens: []) { _ in true }
        XCTAssertEqual(try listing.render(format: .human, now: Date()), "No active tokens found.\n")
        XCTAssertEqual(try listing.render(format: .text, now: Date()), "No active tokens found.\n")
        XCTAssertEqual(try listing.render(format: .json, now: Date()).trimmingCharacters(in: .whitespacesAndNewlines), "[]")
    }

    func testTokensJSONIsTheFullResourcesWithMaskedNames() throws {
        let token = ProvisionToken(name: firstToken, roles: [.node], joinMethod: "token", expires: utc("2023-03-30T18:15:00Z"))
        let json = try TokenListing(tokens: [token]) { _ in true }.render(format: .json, now: Date())
        XCTAssertFalse(json.contains(firstToken))
        let decoded = try JSONDecoder().decode([ProvisionToken].self, from: Data(json.utf8))
        XCTAssertEqual(decoded.first?.spec.roles, [.node])
        XCTAssertEqual(decoded.first?.metadata.expires, utc("2023-03-30T18:15:00Z"))
        let yaml = try TokenListing(tokens: [token, token], withSecrets: true) { _ in true }.render(format: .yaml, now: Date())
        XCTAssertTrue(yaml.contains(firstToken))
        XCTAssertTrue(yaml.contains("---\n"))
    }

    func testExpiryTextFormats() {
        let now = utc("2023-03-30T18:00:00Z")
        XCTAssertEqual(ExpiryText.format(expires: nil, now: now), "never")
        XCTAssertEqual(ExpiryText.format(expires: Date(timeIntervalSince1970: 0), now: now), "never")
        XCTAssertEqual(ExpiryText.format(expires: utc("2023-03-30T18:00:45Z"), now: now), "30 Mar 23 18:00 UTC (45s)")
        XCTAssertEqual(ExpiryText.format(expires: utc("2024-01-05T03:07:00Z"), now: utc("2024-01-05T02:07:00Z")),
                       "05 Jan 24 03:07 UTC (1h0m0s)")
        XCTAssertEqual(GoDurationText.format(seconds: 127.6), "2m8s")
        XCTAssertEqual(GoDurationText.format(seconds: 0.4), "0s")
        XCTAssertEqual(GoDurationText.format(seconds: -5), "-5s")
        XCTAssertEqual(GoDurationText.format(seconds: 3725), "1h2m5s")
    }

    func testTokensAddBlockMatchesTheGuide() throws {
        let result = TokenAddResult(token: firstToken, roles: [.node], expires: utc("2023-03-30T18:15:00Z"), ttl: 300,
                                    caPins: [pin], authServer: "192.0.2.0:3025")
        XCTAssertEqual(try TokenAddOutput.render(result, format: .human), """
            The invite token: \(firstToken)
            This token will expire in 5 minutes.

            Run this on the new node to join the cluster:

            > teleport start \\
               --roles=node \\
               --token=\(firstToken) \\
               --ca-pin=\(pin) \\
               --auth-server=192.0.2.0:3025

            Please note:

              - This invitation token will expire in 5 minutes
              - 192.0.2.0:3025 must be reachable from the new node

            """)
    }

    func testTokensAddPrintsOnePinLinePerPinAndLowercaseRoles() {
        let result = TokenAddResult(token: "t", roles: [.node, .proxy], expires: Date(), ttl: 1800,
                                    caPins: [pin, "sha256:" + String(repeating: "11", count: 32)], authServer: "a:3025")
        let text = TokenAddOutput.instructions(result)
        XCTAssertTrue(text.contains("   --roles=node,proxy \\\n"))
        XCTAssertEqual(text.components(separatedBy: "--ca-pin=").count - 1, 2)
        XCTAssertTrue(text.contains("expire in 30 minutes."))
    }

    func testTokensAddTextAndJSONFormats() throws {
        let result = TokenAddResult(token: firstToken, roles: [.node], expires: utc("2023-03-30T18:15:00Z"), ttl: 300,
                                    caPins: [pin], authServer: "192.0.2.0:3025")
        XCTAssertEqual(try TokenAddOutput.render(result, format: .text), firstToken + "\n")
        let json = try TokenAddOutput.render(result, format: .json)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        XCTAssertEqual(object?["token"] as? String, firstToken)
        XCTAssertEqual(object?["roles"] as? [String], ["Node"])
        XCTAssertEqual(object?["expires"] as? String, "2023-03-30T18:15:00Z")
        let yaml = try TokenAddOutput.render(result, format: .yaml)
        XCTAssertTrue(yaml.contains("token: \(firstToken)"), yaml)
    }

    func testStatusTableMatchesTheGuide() {
        let types = ["host", "user", "db", "openssh", "jwt", "saml_idp"]
        let status = ClusterStatus(clusterName: "teleport.example.com", version: "12.1.1",
                                   authorities: types.map { AuthorityStatus(type: $0) }, pins: [pin])
        XCTAssertEqual(ClusterStatusOutput.table(status), """
            Cluster      teleport.example.com
            Version      12.1.1
            host CA      never updated
            user CA      never updated
            db CA        never updated
            openssh CA   never updated
            jwt CA       never updated
            saml_idp CA  never updated
            CA pin       \(pin)

            """)
    }

    func testNodesTableHasTeleportsColumnsThenLastSeen() {
        let now = utc("2023-03-30T18:15:12Z")
        let nodes = [
            NodeSummary(hostname: "web-2", hostID: "b2", address: "10.0.0.2:3022", labels: ["env": "prod"], version: "1.0.0",
                        lastSeen: utc("2023-03-30T18:15:00Z")),
            NodeSummary(hostname: "1f58429134c4", hostID: "6805dda3-779e-493b-a1b2-c3d4e5f60718",
                        labels: ["hostname": "1f58429134c4"], version: "1.0.0", lastSeen: utc("2023-03-30T18:13:07Z")),
        ]
        XCTAssertEqual(NodeListing.table(nodes, now: now), """
            Host         UUID                                 Public Address Labels                Version Last Seen
            ------------ ------------------------------------ -------------- --------------------- ------- ------------------------------
            1f58429134c4 6805dda3-779e-493b-a1b2-c3d4e5f60718                hostname=1f58429134c4 1.0.0   30 Mar 23 18:13 UTC (2m5s ago)
            web-2        b2                                   10.0.0.2:3022  env=prod              1.0.0   30 Mar 23 18:15 UTC (12s ago)

            """)
        let truncated = NodeListing.table(nodes, labelsWidth: 10, now: now)
        XCTAssertTrue(truncated.contains(" hostnam... 1.0.0 "), truncated)
    }

    func testLastSeenIsNeverInTheFutureAndUnknownWithoutATime() {
        let now = utc("2023-03-30T18:15:00Z")
        XCTAssertEqual(NodeListing.lastSeenText(utc("2023-03-30T18:15:03Z"), now: now), "30 Mar 23 18:15 UTC (0s ago)")
        XCTAssertEqual(NodeListing.lastSeenText(nil, now: now), "unknown")
    }

    func testNodesJSONAndYAMLStayKindNodeDocumentsAndTextIsTheTable() throws {
        let node = NodeSummary(hostname: "web-2", hostID: "b2", address: "10.0.0.2:3022", version: "1.0.0", lastSeen: Date())
        let json = try NodeListing.render([node], format: .json)
        let documents = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        XCTAssertEqual(documents.first?["kind"] as? String, "node")
        XCTAssertEqual((documents.first?["metadata"] as? [String: Any])?["name"] as? String, "b2")
        XCTAssertTrue(try NodeListing.render([node], format: .yaml).hasPrefix("kind: node\n"))
        let now = Date()
        XCTAssertEqual(try NodeListing.render([node], format: .text, now: now), NodeListing.table([node], now: now))
        XCTAssertEqual(try NodeListing.render([node], format: .human, now: now), NodeListing.table([node], now: now))
    }

    func testStatusJSONAndYAMLCarryClusterVersionAuthoritiesAndPins() throws {
        let status = ClusterStatus(clusterName: "teleport.example.com", version: "12.1.1",
                                   authorities: [AuthorityStatus(type: "host"), AuthorityStatus(type: "user")], pins: [pin])
        let json = try ClusterStatusOutput.render(status, format: .json)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["cluster_name"] as? String, "teleport.example.com")
        XCTAssertEqual(object["version"] as? String, "12.1.1")
        XCTAssertEqual(object["ca_pins"] as? [String], [pin])
        let authorities = try XCTUnwrap(object["authorities"] as? [[String: String]])
        XCTAssertEqual(authorities, [["type": "host", "last_updated": "never updated"], ["type": "user", "last_updated": "never updated"]])
        XCTAssertEqual(try ClusterStatusOutput.render(status, format: .yaml), """
            cluster_name: teleport.example.com
            version: 12.1.1
            authorities:
            - type: host
              last_updated: never updated
            - type: user
              last_updated: never updated
            ca_pins:
            - \(pin)

            """)
        XCTAssertEqual(try ClusterStatusOutput.render(status, format: .text), ClusterStatusOutput.table(status))
    }

    func testBotsListIsATableOrTheBotResources() throws {
        let bot: JSONValue = .object([
            "kind": .string("bot"), "version": .string("v1"), "metadata": .object(["name": .string("deployer")]),
            "spec": .object(["roles": .array([.string("access"), .string("editor")])]),
        ])
        XCTAssertEqual(try BotListing.render([bot], format: .text), """
            Bot      Roles
            -------- -------------
            deployer access,editor

            """)
        let json = try BotListing.render([bot], format: .json)
        XCTAssertEqual(try JSONDecoder().decode([JSONValue].self, from: Data(json.utf8)), [bot])
        let yaml = try BotListing.render([bot, bot], format: .yaml)
        XCTAssertTrue(yaml.hasPrefix("kind: bot\n"), yaml)
        XCTAssertTrue(yaml.contains("---\n"), yaml)
    }

    func testAuditTableNamesTheNodeOrBot() throws {
        let event = Data(#"""
            {"time":"2026-01-02T15:04:05Z","type":"bot.join","code":"TJ001I","success":true,"method":"token",
             "token_name":"****abcd","role":"Bot","host_id":"","node_name":"deployer","remote_address":"127.0.0.1:5000"}
            """#.utf8)
        let table = try AuditTable.render([event])
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true).prefix(7).joined(separator: " "),
                       "Time Event Code Method Token Role Name")
        XCTAssertTrue(lines[2].contains(" Bot  deployer "), table)
        XCTAssertEqual(try AuditTable.render([]), "No audit events found.\n")
    }

    func testBotsAddPrintsATbotYAMLThatWritesAnIdentity() throws {
        let text = BotAddOutput.instructions(token: "0123456789", ttlMinutes: 60, authServer: "192.0.2.0:3025", caPins: [pin])
        XCTAssertTrue(text.hasPrefix("The bot token: 0123456789\nThis token will expire in 60 minutes.\n"), text)
        let block = text.components(separatedBy: "Join with tbot.yaml:\n\n")[1].components(separatedBy: "\n\n")[0]
        // As printed, indented: a copied block is the file.
        let config = try TbotConfig.parse(yaml: block)
        XCTAssertEqual(config.outputs, [TbotOutput(kind: .identity, destination: DirectoryDestination(path: "/opt/machine-id"))])
        XCTAssertEqual(config.authServer, "192.0.2.0:3025")
        XCTAssertEqual(try config.resolvedToken(), "0123456789", "a token of digits stays a string")
        XCTAssertEqual(try config.resolvedCAPins().map(\.description), [pin])
        XCTAssertEqual(config.storage.path, "/var/lib/teleport/bot")
        XCTAssertEqual(config.warnings, [])
    }

    func testBotsAddWithAnExistingTokenOfAnotherMethodNamesTheMethod() throws {
        let text = BotAddOutput.instructions(token: "ci-bot", joinMethod: "github", ttlMinutes: nil, authServer: "192.0.2.0:3025",
                                             caPins: [pin])
        XCTAssertTrue(text.hasPrefix("The bot token: ci-bot\nThis token does not expire.\n"), text)
        let block = text.components(separatedBy: "Join with tbot.yaml:\n\n")[1].components(separatedBy: "\n\n")[0]
        XCTAssertTrue(block.contains("  join_method: github\n"), block)
        XCTAssertTrue(text.contains("Add what the github method needs under onboarding (see docs/join-methods/github.md)."), text)
    }

    /// `tctl bots add NAME --token=EXISTING` refuses, before creating the bot, a token that is
    /// missing, does not allow role Bot, or names another bot, in Teleport's words.
    func testAnExistingTokenMustAdmitTheBot() throws {
        var forRobot = ProvisionToken(name: "robot-token", roles: [.bot], joinMethod: "token")
        forRobot.spec.botName = "robot"
        var forOther = ProvisionToken(name: "other-token", roles: [.bot], joinMethod: "token")
        forOther.spec.botName = "other"
        let nodeToken = ProvisionToken(name: "node-token", roles: [.node], joinMethod: "token")
        let tokens = [forRobot, forOther, nodeToken]

        XCTAssertEqual(try ExistingBotToken.find("robot-token", admitting: "robot", among: tokens), forRobot)
        func refusal(_ name: String) -> String {
            do {
                _ = try ExistingBotToken.find(name, admitting: "robot", among: tokens)
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal("missing").contains("token with name \"missing\" not found, create the token or do not set --token"),
                      refusal("missing"))
        XCTAssertTrue(refusal("node-token").contains("token \"node-token\" is not valid for role \"Bot\""), refusal("node-token"))
        XCTAssertTrue(refusal("other-token").contains("token \"other-token\" is valid for bot \"other\", not \"robot\""),
                      refusal("other-token"))
    }

    /// `tctl edit` picks its editor as Teleport's does.
    func testTheEditorComesFromTeleportEditorThenVisualThenEditorThenVi() {
        XCTAssertEqual(ResourceEdit.editorCommand(environment: [:]), ["vi"])
        XCTAssertEqual(ResourceEdit.editorCommand(environment: ["EDITOR": "nano"]), ["nano"])
        XCTAssertEqual(ResourceEdit.editorCommand(environment: ["EDITOR": "nano", "VISUAL": "code --wait"]), ["code", "--wait"])
        XCTAssertEqual(ResourceEdit.editorCommand(environment: ["EDITOR": "nano", "VISUAL": "code", "TELEPORT_EDITOR": " vim  -n "]),
                       ["vim", "-n"])
        XCTAssertEqual(ResourceEdit.editorCommand(environment: ["TELEPORT_EDITOR": "  ", "EDITOR": "ed"]), ["ed"], "blank is unset")
    }

    func testHeadlessAndEmptyTables() {
        XCTAssertEqual(TextTable.headless(rows: [["a", "1"], ["long key", "2"]]).render(), "a        1\nlong key 2\n")
        XCTAssertEqual(TextTable(headers: ["A", "Bee"]).render(), "A Bee\n- ---\n")
    }

    func testFormatFlagParsing() throws {
        XCTAssertEqual(try OutputFormat(parsing: nil), .human)
        XCTAssertEqual(try OutputFormat(parsing: "JSON"), .json)
        XCTAssertEqual(try OutputFormat(parsing: "text"), .text)
        XCTAssertThrowsError(try OutputFormat(parsing: "xml"))
    }
}
