import Foundation
import TestSupport
import XCTest

/// tbot as a daemon: renews every `renewal_interval` and stops cleanly on SIGTERM; and what a
/// renewable bot whose certificates expired is told to do.
final class TbotDaemonTests: XCTestCase {
    private var bot: TbotHarness!

    override func setUp() async throws {
        bot = try await TbotHarness.started()
    }

    override func tearDown() async throws {
        await bot?.stop()
    }

    func testDaemonRenewsEveryIntervalAndExitsCleanlyOnSIGTERM() async throws {
        let token = try bot.createBotAndToken()
        let output = bot.path("daemon-output")
        let config = try bot.writeConfig("daemon.yaml", token: token, storage: bot.path("daemon-storage"), output: output,
                                         extra: "renewal_interval: 1s\n")
        let daemon = try bot.startDaemon(config: config, name: "tbot-daemon")
        let renewedTwice = await daemon.waitForOutput("generation=3", seconds: 30)
        XCTAssertTrue(renewedTwice, daemon.output)
        XCTAssertTrue(daemon.isRunning, daemon.output)
        XCTAssertGreaterThanOrEqual(Int(try bot.certificateGeneration(output) ?? "") ?? 0, 3)

        await daemon.stop()
        XCTAssertEqual(daemon.status, 0, daemon.output)
        XCTAssertFalse(daemon.output.contains(token), "the token value must never be logged")
    }

    func testOneshotFlagOverridesADaemonConfig() throws {
        let token = try bot.createBotAndToken()
        let config = try bot.writeConfig("daemon.yaml", token: token, storage: bot.path("storage"), output: bot.path("output"), extra: "")
        let result = try bot.run(["start", "-c", config, "--oneshot"])
        XCTAssertEqual(result.status, 0, result.combined)
        XCTAssertTrue(result.stderr.contains("oneshot"), result.stderr)
        XCTAssertEqual(try bot.certificateGeneration(bot.path("output")), "1")
    }

    func testExpiredRenewableIdentityNeedsANewTokenAndSaysSo() throws {
        let token = try bot.createBotAndToken()
        let storage = bot.path("storage")
        let config = try bot.writeConfig("tbot.yaml", token: token, storage: storage, output: bot.path("output"))
        let first = try bot.run(["start", "-c", config])
        XCTAssertEqual(first.status, 0, first.combined)

        // Age the stored identity past its expiry, as if the bot had been offline for hours.
        let file = URL(fileURLWithPath: storage + "/bot_identity.json")
        var stored = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        stored["valid_before"] = "2020-01-01T00:00:00Z"
        try JSONSerialization.data(withJSONObject: stored).write(to: file)

        let again = try bot.run(["start", "-c", config])
        XCTAssertNotEqual(again.status, 0, again.combined)
        XCTAssertTrue(again.stderr.contains("the stored bot identity has expired"), again.stderr)
        XCTAssertTrue(again.stderr.contains("token expired or not found"), again.stderr)
        XCTAssertTrue(again.stderr.contains("create a new token (`tctl bots add`"), again.stderr)
        XCTAssertFalse(again.combined.contains(token))
    }
}
