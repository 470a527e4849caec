import Foundation
import TestSupport
import XCTest

/// `tctl bots add NAME --token=EXISTING` against the real binaries, as Teleport's does: the bot
/// is created for a token that already exists (no new token), the printed tbot.yaml names it,
/// and tbot joins with it; a token that is missing, does not allow role Bot or names another
/// bot is refused before anything is created. `tctl bots instances add|show` onboard and show
/// further instances of an existing bot.
final class TctlBotsAddExistingTokenTests: XCTestCase {
    private var bot: TbotHarness!
    private var cluster: ClusterProcesses { bot.cluster }

    override func setUp() async throws {
        bot = try await TbotHarness.started(botName: "robot")
    }

    override func tearDown() async throws {
        await bot?.stop()
    }

    private func createToken(_ name: String, roles: String, botName: String?) throws {
        let file = bot.path("\(name).yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: \(name)
        spec:
          roles: [\(roles)]
          join_method: token
        \(botName.map { "  bot_name: \($0)" } ?? "")
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", "-f", file])
        XCTAssertEqual(created.status, 0, created.combined)
    }

    private func tokenNames() throws -> [String] {
        let listing = try cluster.tctl(["get", "tokens", "--format", "json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let documents = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return documents.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }.sorted()
    }

    private func botNames() throws -> [String] {
        let listing = try cluster.tctl(["bots", "ls", "--format", "json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let documents = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return documents.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }.sorted()
    }

    func testABotIsAddedForAnExistingTokenAndJoinsWithIt() throws {
        try createToken("robot-token-0123456789", roles: "Bot", botName: "robot")
        let added = try cluster.tctl(["bots", "add", "robot", "--token=robot-token-0123456789"])
        XCTAssertEqual(added.status, 0, added.combined)
        XCTAssertTrue(added.stdout.hasPrefix("The bot token: robot-token-0123456789\n"), added.stdout)
        XCTAssertTrue(added.stdout.contains("  token: robot-token-0123456789\n"), added.stdout)
        XCTAssertTrue(added.stdout.contains("  join_method: token\n"), added.stdout)
        XCTAssertEqual(try tokenNames(), ["robot-token-0123456789"], "no new token was made")
        XCTAssertEqual(try botNames(), ["robot"])

        let config = try bot.writeConfig("tbot.yaml", token: "robot-token-0123456789", storage: bot.path("storage"),
                                         output: bot.path("machine-id"))
        let joined = try bot.run(["start", "-c", config])
        XCTAssertEqual(joined.status, 0, joined.combined)
        XCTAssertTrue(FileManager.default.fileExists(atPath: bot.path("machine-id") + "/tlscert"))
    }

    func testATokenThatCannotAdmitTheBotIsRefusedBeforeTheBotIsCreated() throws {
        try createToken("node-token-0123456789", roles: "Node", botName: nil)
        try createToken("other-token-0123456789", roles: "Bot", botName: "other")
        let cases = [
            ("missing-token", "token with name \"missing-token\" not found, create the token or do not set --token"),
            ("node-token-0123456789", "token \"node-token-0123456789\" is not valid for role \"Bot\""),
            ("other-token-0123456789", "token \"other-token-0123456789\" is valid for bot \"other\", not \"robot\""),
        ]
        for (token, message) in cases {
            let refused = try cluster.tctl(["bots", "add", "robot", "--token", token])
            XCTAssertNotEqual(refused.status, 0, refused.combined)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
        XCTAssertEqual(try botNames(), [], "no bot was created")
        XCTAssertEqual(try tokenNames(), ["node-token-0123456789", "other-token-0123456789"], "no token was created")
    }

    /// The token `tctl bots add` or `bots instances add` printed.
    private func printedToken(_ output: String) throws -> String {
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("The bot token: ") }, output)
        return String(line.dropFirst("The bot token: ".count))
    }

    private func instanceIDs() throws -> [String] {
        let listing = try cluster.tctl(["bots", "instances", "ls", "robot", "--format", "json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let documents = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return documents.compactMap { $0["instance_id"] as? String }.sorted()
    }

    func testInstancesAddOnboardsAnotherInstanceAndShowPrintsOne() throws {
        let added = try cluster.tctl(["bots", "add", "robot"])
        XCTAssertEqual(added.status, 0, added.combined)
        let first = try bot.run(["start", "-c", try bot.writeConfig("first.yaml", token: try printedToken(added.stdout),
                                                                     storage: bot.path("first"), output: nil)])
        XCTAssertEqual(first.status, 0, first.combined)

        let another = try cluster.tctl(["bots", "instances", "add", "robot"])
        XCTAssertEqual(another.status, 0, another.combined)
        let secondToken = try printedToken(another.stdout)
        XCTAssertTrue(another.stdout.contains("This token will expire in 60 minutes."), another.stdout)
        let second = try bot.run(["start", "-c", try bot.writeConfig("second.yaml", token: secondToken, storage: bot.path("second"),
                                                                      output: nil)])
        XCTAssertEqual(second.status, 0, second.combined)
        let ids = try instanceIDs()
        XCTAssertEqual(ids.count, 2, "two instances of one bot")

        let shown = try cluster.tctl(["bots", "instances", "show", "robot/\(ids[0])"])
        XCTAssertEqual(shown.status, 0, shown.combined)
        XCTAssertTrue(shown.stdout.contains("instance_id: \(ids[0])\n"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("bot_name: robot\n"), shown.stdout)
        XCTAssertFalse(shown.stdout.contains(ids[1]), "only the instance asked for")
    }

    func testInstancesAddAndShowRefuseWhatDoesNotExist() throws {
        try createToken("other-token-0123456789", roles: "Bot", botName: "other")
        let noBot = try cluster.tctl(["bots", "instances", "add", "ghost"])
        XCTAssertNotEqual(noBot.status, 0, noBot.combined)
        XCTAssertTrue(noBot.stderr.contains("bot \"ghost\" not found; create it with tctl bots add"), noBot.stderr)
        let added = try cluster.tctl(["bots", "add", "robot"])
        XCTAssertEqual(added.status, 0, added.combined)
        let tokensBefore = try tokenNames()
        let wrongToken = try cluster.tctl(["bots", "instances", "add", "robot", "--token", "other-token-0123456789"])
        XCTAssertNotEqual(wrongToken.status, 0, wrongToken.combined)
        XCTAssertTrue(wrongToken.stderr.contains("is valid for bot \"other\", not \"robot\""), wrongToken.stderr)
        XCTAssertEqual(try tokenNames(), tokensBefore, "no token was created")

        let unnamed = try cluster.tctl(["bots", "instances", "show", "robot"])
        XCTAssertNotEqual(unnamed.status, 0, unnamed.combined)
        XCTAssertTrue(unnamed.stderr.contains("BOT/INSTANCE_ID"), unnamed.stderr)
        let missing = try cluster.tctl(["bots", "instances", "show", "robot/00000000-0000-4000-8000-000000000000"])
        XCTAssertNotEqual(missing.status, 0, missing.combined)
        XCTAssertTrue(missing.stderr.contains("not found"), missing.stderr)
    }

    func testBotsUpdateChangesRolesAndLoginsOfAnExistingBot() throws {
        XCTAssertEqual(try cluster.tctl(["bots", "add", "robot", "--roles=access"]).status, 0)
        let updated = try cluster.tctl(["bots", "update", "robot", "--add-roles=editor", "--set-logins=root,ubuntu", "--max-session-ttl=12h"])
        XCTAssertEqual(updated.status, 0, updated.combined)
        XCTAssertTrue(updated.stdout.contains("bot \"robot\" has been updated"), updated.stdout)
        let listing = try cluster.tctl(["bots", "ls", "--format", "json"])
        let documents = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]])
        let spec = try XCTUnwrap(documents.first?["spec"] as? [String: Any])
        XCTAssertEqual(spec["roles"] as? [String], ["access", "editor"])
        let traits = spec["traits"] as? [[String: Any]]
        XCTAssertEqual(traits?.first?["name"] as? String, "logins")
        XCTAssertEqual(traits?.first?["values"] as? [String], ["root", "ubuntu"])
        XCTAssertNotNil(spec["max_session_ttl"] as? String, "\(spec)")

        let again = try cluster.tctl(["bots", "update", "robot", "--add-roles=editor"])
        XCTAssertEqual(again.status, 0, again.combined)
        XCTAssertTrue(again.stdout.contains("nothing changed"), again.stdout)
        let missing = try cluster.tctl(["bots", "update", "ghost", "--add-roles=editor"])
        XCTAssertNotEqual(missing.status, 0, missing.combined)
        XCTAssertTrue(missing.stderr.contains("not found"), missing.stderr)
    }
}
