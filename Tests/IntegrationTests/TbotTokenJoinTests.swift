import Foundation
import TestSupport
import XCTest

/// tbot against the real binaries: a token-method bot joins once (`oneshot`), writes its
/// identity output, cannot reuse its single-use token from other storage, and renews on the
/// next run; `tbot keypair create` makes and keeps a bound keypair.
final class TbotTokenJoinTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private let botName = "example"
    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tbot.path) else {
            throw XCTSkip("tbot binary not found at \(Self.tbot.path); run `swift build` first")
        }
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    // MARK: Helpers

    private func path(_ name: String) -> String { cluster.directory.appendingPathComponent(name).path }

    /// `tctl create` of the seed guide's bot.yaml, then a single-use token-method bot token.
    private func createBotAndToken() throws -> String {
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

    /// Writes a oneshot tbot.yaml for `storage` with an identity output in `output`.
    private func writeConfig(_ name: String, token: String, storage: String, output: String) throws -> String {
        let file = path(name)
        try """
        version: v2
        oneshot: true
        auth_server: \(cluster.authAddress)
        onboarding:
          token: \(token)
          ca_pins: ["\(try cluster.caPin())"]
        storage:
          type: directory
          path: \(storage)
        services:
          - type: identity
            destination:
              type: directory
              path: \(output)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    private func tbot(_ arguments: [String]) throws -> CommandResult {
        try Command.run(Self.tbot, arguments, timeout: 90)
    }

    private func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    /// The generation in the TLS certificate's subject (OID 1.3.9999.1.102).
    private func certificateGeneration(_ output: String) throws -> String? {
        let subject = try Command.run("/usr/bin/openssl", ["x509", "-noout", "-subject", "-in", output + "/tlscert"])
        XCTAssertEqual(subject.status, 0, subject.combined)
        guard let range = subject.stdout.range(of: #"1\.3\.9999\.1\.102\s*=\s*(\d+)"#, options: .regularExpression) else { return nil }
        return subject.stdout[range].split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The generations `tctl bots instances ls --format=json` reports for the bot.
    private func instanceGenerations() throws -> [Int] {
        let listing = try cluster.tctl(["bots", "instances", "ls", botName, "--format=json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let instances = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return instances.compactMap { ($0["authentications"] as? [[String: Any]])?.last?["generation"] as? Int }
    }

    // MARK: Token joining

    func testOneshotTokenJoinWritesIdentityThenTokenIsSpentAndRerunRenews() async throws {
        let token = try createBotAndToken()
        let storage = path("bot-storage"), output = path("machine-id")
        let config = try writeConfig("tbot.yaml", token: token, storage: storage, output: output)

        let first = try tbot(["start", "-c", config])
        XCTAssertEqual(first.status, 0, first.combined)
        XCTAssertFalse(first.combined.contains(token), "the token value must never be logged")
        XCTAssertEqual(first.stdout, "", "tbot start logs to stderr only")
        for name in ["key", "key.pub", "key-cert.pub", "sshcacerts", "tlscert", "tlscacerts", "identity"] {
            XCTAssertEqual(try permissions(output + "/" + name), 0o600, name)
        }
        XCTAssertEqual(try permissions(storage), 0o700)
        XCTAssertEqual(try permissions(storage + "/bot_identity.json"), 0o600)

        let listing = try Command.run("/usr/bin/ssh-keygen", ["-L", "-f", output + "/key-cert.pub"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        XCTAssertTrue(listing.stdout.contains("bot-\(botName)"), listing.stdout)
        let verify = try Command.run("/usr/bin/openssl", ["verify", "-CAfile", output + "/tlscacerts", output + "/tlscert"])
        XCTAssertEqual(verify.status, 0, verify.combined)
        XCTAssertEqual(try certificateGeneration(output), "1")

        // The same token from another storage: spent by the first join.
        let otherConfig = try writeConfig("other.yaml", token: token, storage: path("other-storage"), output: path("other-output"))
        let second = try tbot(["start", "-c", otherConfig])
        XCTAssertNotEqual(second.status, 0, second.combined)
        XCTAssertTrue(second.stderr.contains("token expired or not found"), second.stderr)
        XCTAssertFalse(second.combined.contains(token))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("other-storage") + "/bot_identity.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("other-output") + "/key"))

        // The first bot again: renews its still-valid certificates, the generation goes up.
        let keyBefore = try String(contentsOfFile: output + "/key", encoding: .utf8)
        let renewal = try tbot(["start", "-c", config])
        XCTAssertEqual(renewal.status, 0, renewal.combined)
        XCTAssertTrue(renewal.stderr.contains("renewing"), renewal.stderr)
        XCTAssertEqual(try certificateGeneration(output), "2")
        XCTAssertEqual(try instanceGenerations(), [2])
        XCTAssertNotEqual(try String(contentsOfFile: output + "/key", encoding: .utf8), keyBefore, "renewal certifies a fresh key")
    }

    func testInvalidConfigFailsWithTheFileAndFieldNamed() throws {
        let file = path("broken.yaml")
        try "version: v2\nauth_server: \(cluster.authAddress)\nstorage: {type: memory}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try tbot(["start", "-c", file, "--oneshot"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("ERROR: \(file): field \"storage.type\""), result.stderr)
    }

    // MARK: tbot keypair create

    func testKeypairCreatePrintsOneJSONLineAndKeepsTheKeyWithoutOverwrite() throws {
        let storage = path("keypair-storage")
        let arguments = ["keypair", "create", "--storage", storage, "--proxy-server", cluster.authAddress, "--format=json"]
        let created = try tbot(arguments)
        XCTAssertEqual(created.status, 0, created.combined)
        let lines = created.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, created.stdout)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])
        XCTAssertEqual(Array(json.keys), ["public_key"])
        let publicKey = try XCTUnwrap(json["public_key"])
        XCTAssertTrue(publicKey.hasPrefix("ssh-ed25519 AAAA"), publicKey)
        XCTAssertTrue(created.stderr.contains("keypair has been written to storage"), created.stderr)
        XCTAssertEqual(try permissions(storage + "/id_bkp"), 0o600)
        XCTAssertEqual(try String(contentsOfFile: storage + "/id_bkp.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), publicKey)

        let again = try tbot(arguments)
        XCTAssertEqual(again.status, 0, again.combined)
        XCTAssertEqual(again.stdout, created.stdout, "without --overwrite the existing key is printed")
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)

        let replaced = try tbot(arguments + ["--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.combined)
        XCTAssertNotEqual(replaced.stdout, created.stdout, "--overwrite generates a new key")
    }

    func testKeypairCreateTextOutputShowsTheExampleToken() throws {
        let result = try tbot(["keypair", "create", "--storage", "file://" + path("text-storage"), "--proxy-server", cluster.authAddress])
        XCTAssertEqual(result.status, 0, result.combined)
        let publicKey = try String(contentsOfFile: path("text-storage") + "/id_bkp.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(result.stdout.contains("initial_public_key: \"\(publicKey)\""), result.stdout)
        XCTAssertTrue(result.stdout.contains("join_method: bound_keypair"), result.stdout)
    }

    func testKeypairCreateWithUnsupportedFormatWritesNothing() throws {
        let storage = path("xml-storage")
        let result = try tbot(["keypair", "create", "--storage", storage, "--proxy-server", cluster.authAddress, "--format=xml"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unsupported output format xml; keypair has not been generated"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: storage))
    }
}
