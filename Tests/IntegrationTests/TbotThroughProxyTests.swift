import Foundation
import TestSupport
import XCTest

/// tbot that knows only a Proxy Service (`proxy_server`, trusted by `onboarding.ca_path`),
/// against the real binaries: the first run joins through the proxy's join forwarder, the
/// second renews through its `joinery-auth` tunnel, where tbot's mTLS session runs end to end
/// with the Auth server inside the proxy's TLS.
final class TbotThroughProxyTests: XCTestCase {
    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }
    private var cluster: ClusterProcesses!

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

    private func path(_ name: String) -> String { cluster.directory.appendingPathComponent(name).path }

    /// `tctl bots add`: the bot and a single-use token-method token; returns the token.
    private func addBot(_ name: String) throws -> String {
        let added = try cluster.tctl(["bots", "add", name])
        XCTAssertEqual(added.status, 0, added.combined)
        let line = try XCTUnwrap(added.stdout.split(separator: "\n").first { $0.hasPrefix("The bot token: ") }, added.stdout)
        return String(line.dropFirst("The bot token: ".count))
    }

    private func generation(inStorage storage: String) throws -> Int? {
        let data = try Data(contentsOf: URL(fileURLWithPath: storage + "/bot_identity.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["generation"] as? Int
    }

    func testABotThatKnowsOnlyTheProxyJoinsThenRenewsThroughIt() throws {
        let token = try addBot("via-proxy")
        let storage = path("bot-storage"), output = path("bot-output"), config = path("tbot.yaml")
        try """
        version: v2
        oneshot: true
        proxy_server: \(cluster.proxyAddress)
        onboarding:
          join_method: token
          token: \(token)
          ca_path: \(cluster.proxyCAPath)
        storage:
          type: directory
          path: \(storage)
        services:
          - type: identity
            destination:
              type: directory
              path: \(output)
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let join = try Command.run(Self.tbot, ["start", "-c", config], timeout: 90)
        XCTAssertEqual(join.status, 0, join.combined)
        XCTAssertTrue(join.stderr.contains("joining the cluster as a bot"), join.stderr)
        XCTAssertEqual(try generation(inStorage: storage), 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/tlscert"))

        let renewal = try Command.run(Self.tbot, ["start", "-c", config], timeout: 90)
        XCTAssertEqual(renewal.status, 0, renewal.combined)
        XCTAssertTrue(renewal.stderr.contains("renewing"), renewal.stderr)
        XCTAssertEqual(try generation(inStorage: storage), 2)

        let instances = try cluster.tctl(["bots", "instances", "ls", "via-proxy", "--format=json"])
        XCTAssertEqual(instances.status, 0, instances.combined)
        let listed = try JSONSerialization.jsonObject(with: Data(instances.stdout.utf8)) as? [[String: Any]] ?? []
        XCTAssertEqual(listed.compactMap { ($0["authentications"] as? [[String: Any]])?.last?["generation"] as? Int }, [2],
                       instances.stdout)

        // tbot was given, and used, only the proxy's address.
        for run in [join, renewal] {
            XCTAssertFalse(run.combined.contains(cluster.authAddress), run.combined)
            XCTAssertFalse(run.combined.contains(token), "the token value must never be logged")
        }
        // The join reached Auth through the forwarder, which named the bot's own address.
        let audit = try cluster.tctl(["audit", "ls", "--format=json"])
        let events = audit.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let botJoin = try XCTUnwrap(events.first { ($0["role"] as? String) == "Bot" && ($0["success"] as? Bool) == true },
                                    audit.stdout)
        XCTAssertNotNil((botJoin["attributes"] as? [String: String])?["forwarded_by_proxy"], "\(botJoin)")
    }
}
