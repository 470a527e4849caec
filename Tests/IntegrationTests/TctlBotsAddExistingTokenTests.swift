import Foundation
import TestSupport
import XCTest

/// `tctl bots add NAME --token=EXISTING` against the real binaries, as Teleport's does: the bot
/// is created for a token that already exists (no new token), the printed tbot.yaml names it,
/// and tbot joins with it; a token that is missing, does not allow role Bot or names another
/// bot is refused before anything is created.
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
}
