import Foundation
import TestSupport
import XCTest

/// tbot against a ``ClusterProcesses`` cluster: creating a bot and its token with tctl, writing
/// tbot.yaml files, running `tbot` to completion or as a daemon, and reading what it wrote.
/// `stop()` ends every daemon it started and the cluster.
final class TbotHarness: @unchecked Sendable {
    static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }

    let cluster: ClusterProcesses
    let botName: String
    private var daemons: [ManagedProcess] = []

    private init(cluster: ClusterProcesses, botName: String) {
        self.cluster = cluster
        self.botName = botName
    }

    /// A fresh cluster with its Auth server running, and a harness for bot `botName` on it.
    static func started(botName: String = "example") async throws -> TbotHarness {
        guard FileManager.default.isExecutableFile(atPath: tbot.path) else {
            throw XCTSkip("tbot binary not found at \(tbot.path); run `swift build` first")
        }
        let harness = TbotHarness(cluster: try ClusterProcesses(), botName: botName)
        do {
            try await harness.cluster.startAuth()
        } catch {
            await harness.stop()
            throw error
        }
        return harness
    }

    func path(_ name: String) -> String { cluster.directory.appendingPathComponent(name).path }

    /// `tctl create` of the seed guide's bot.yaml, then `tctl create -f` of a single-use
    /// token-method bot token; returns the token's value.
    func createBotAndToken() throws -> String {
        try """
        kind: bot
        version: v1
        metadata:
          # name is a unique identifier for the Bot in the cluster.
          name: \(botName)
        spec:
          roles: []
        """.write(toFile: path("bot.yaml"), atomically: true, encoding: .utf8)
        let bot = try cluster.tctl(["create", path("bot.yaml")])
        XCTAssertEqual(bot.status, 0, bot.combined)

        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try """
        kind: token
        version: v2
        metadata:
          name: \(token)
        spec:
          roles: [Bot]
          bot_name: \(botName)
          join_method: token
        """.write(toFile: path("bot-token.yaml"), atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", "-f", path("bot-token.yaml")])
        XCTAssertEqual(created.status, 0, created.combined)
        return token
    }

    /// Writes a tbot.yaml named `name` that joins with `token` (pinned to the cluster's CA),
    /// keeps state in `storage` and writes an identity output to `output` (no service at all
    /// when `output` is nil).
    func writeConfig(_ name: String, token: String, storage: String, output: String?, extra: String = "oneshot: true\n") throws -> String {
        let file = path(name)
        let services = output.map { """
            services:
              - type: identity
                destination:
                  type: directory
                  path: \($0)

            """ } ?? ""
        try """
        version: v2
        \(extra)auth_server: \(cluster.authAddress)
        onboarding:
          token: \(token)
          ca_pins: ["\(try cluster.caPin())"]
        storage:
          type: directory
          path: \(storage)
        \(services)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs tbot to completion (bounded).
    func run(_ arguments: [String]) throws -> CommandResult {
        try Command.run(Self.tbot, arguments, timeout: 90)
    }

    /// Starts `tbot start -c config` as a daemon; ``stop()`` ends it.
    func startDaemon(config: String, name: String) throws -> ManagedProcess {
        let process = try ManagedProcess(Self.tbot, ["start", "-c", config], logDirectory: cluster.directory, name: name)
        daemons.append(process)
        return process
    }

    /// Stops every daemon, then the cluster.
    func stop() async {
        for daemon in daemons { await daemon.stop() }
        await cluster.stop()
    }

    func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    /// The generation in the output's TLS certificate subject (OID 1.3.9999.1.102).
    func certificateGeneration(_ output: String) throws -> String? {
        let subject = try Command.run("/usr/bin/openssl", ["x509", "-noout", "-subject", "-in", output + "/tlscert"])
        XCTAssertEqual(subject.status, 0, subject.combined)
        guard let range = subject.stdout.range(of: #"1\.3\.9999\.1\.102\s*=\s*(\d+)"#, options: .regularExpression) else { return nil }
        return subject.stdout[range].split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The generations `tctl bots instances ls --format=json` reports for the bot.
    func instanceGenerations() throws -> [Int] {
        let listing = try cluster.tctl(["bots", "instances", "ls", botName, "--format=json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let instances = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return instances.compactMap { ($0["authentications"] as? [[String: Any]])?.last?["generation"] as? Int }
    }
}
