import Foundation
import TestSupport
import XCTest

/// tbot against the real binaries: a token-method bot joins once (`oneshot`), writes its
/// identity output, cannot reuse its single-use token from other storage, and renews on the
/// next run; `tbot keypair create` makes and keeps a bound keypair.
final class TbotTokenJoinTests: XCTestCase {
    private var bot: TbotHarness!
    private var cluster: ClusterProcesses { bot.cluster }

    override func setUp() async throws {
        bot = try await TbotHarness.started()
    }

    override func tearDown() async throws {
        await bot?.stop()
    }

    private func path(_ name: String) -> String { bot.path(name) }
    private func tbot(_ arguments: [String]) throws -> CommandResult { try bot.run(arguments) }

    // MARK: Token joining

    func testOneshotTokenJoinWritesIdentityThenTokenIsSpentAndRerunRenews() async throws {
        let token = try bot.createBotAndToken()
        let storage = path("bot-storage"), output = path("machine-id")
        let config = try bot.writeConfig("tbot.yaml", token: token, storage: storage, output: output)

        let first = try tbot(["start", "-c", config])
        XCTAssertEqual(first.status, 0, first.combined)
        XCTAssertFalse(first.combined.contains(token), "the token value must never be logged")
        XCTAssertEqual(first.stdout, "", "tbot start logs to stderr only")
        for name in ["key", "key.pub", "key-cert.pub", "sshcacerts", "tlscert", "tlscacerts", "identity"] {
            XCTAssertEqual(try bot.permissions(output + "/" + name), 0o600, name)
        }
        XCTAssertEqual(try bot.permissions(storage), 0o700)
        XCTAssertEqual(try bot.permissions(storage + "/bot_identity.json"), 0o600)

        let listing = try Command.run("/usr/bin/ssh-keygen", ["-L", "-f", output + "/key-cert.pub"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        XCTAssertTrue(listing.stdout.contains("bot-\(bot.botName)"), listing.stdout)
        let verify = try Command.run("/usr/bin/openssl", ["verify", "-CAfile", output + "/tlscacerts", output + "/tlscert"])
        XCTAssertEqual(verify.status, 0, verify.combined)
        XCTAssertEqual(try bot.certificateGeneration(output), "1")

        // The same token from another storage: spent by the first join.
        let otherConfig = try bot.writeConfig("other.yaml", token: token, storage: path("other-storage"), output: path("other-output"))
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
        XCTAssertEqual(try bot.certificateGeneration(output), "2")
        XCTAssertEqual(try bot.instanceGenerations(), [2])
        XCTAssertNotEqual(try String(contentsOfFile: output + "/key", encoding: .utf8), keyBefore, "renewal certifies a fresh key")
    }

    func testTheTbotYAMLThatBotsAddPrintsWritesAnIdentity() throws {
        let added = try cluster.tctl(["bots", "add", "printed", "--roles=access"])
        XCTAssertEqual(added.status, 0, added.combined)
        let sections = added.stdout.components(separatedBy: "Join with tbot.yaml:\n\n")
        XCTAssertEqual(sections.count, 2, added.stdout)
        let printed = try XCTUnwrap(sections.last?.components(separatedBy: "\n\n").first)
        XCTAssertTrue(added.stdout.contains("tbot start -c tbot.yaml"), added.stdout)
        // Only the data paths move into this test's directory; the rest is used as printed.
        let storage = path("printed-storage"), output = path("printed-identity")
        XCTAssertTrue(printed.contains("path: /var/lib/teleport/bot\n"), printed)
        XCTAssertTrue(printed.hasSuffix("path: /opt/machine-id"), printed)
        let config = path("printed-tbot.yaml")
        try printed.replacingOccurrences(of: "/var/lib/teleport/bot", with: storage)
            .replacingOccurrences(of: "/opt/machine-id", with: output)
            .write(toFile: config, atomically: true, encoding: .utf8)

        let run = try tbot(["start", "-c", config, "--oneshot"])
        XCTAssertEqual(run.status, 0, run.combined)
        XCTAssertFalse(run.stderr.contains("has no services or outputs"), run.stderr)
        for name in ["key", "key.pub", "key-cert.pub", "sshcacerts", "tlscert", "tlscacerts", "identity"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/" + name), "\(name) was not written: \(run.stderr)")
        }
        let listing = try Command.run("/usr/bin/ssh-keygen", ["-L", "-f", output + "/key-cert.pub"])
        XCTAssertTrue(listing.stdout.contains("bot-printed"), listing.combined)
    }

    func testAConfigWithoutOutputsJoinsButWarnsThatItWritesNothing() throws {
        let token = try bot.createBotAndToken()
        let config = try bot.writeConfig("bare.yaml", token: token, storage: path("bare-storage"), output: nil)
        let run = try tbot(["start", "-c", config, "--oneshot"])
        XCTAssertEqual(run.status, 0, run.combined)
        let warning = try XCTUnwrap(run.stderr.split(separator: "\n").first { $0.contains("has no services or outputs") }, run.stderr)
        XCTAssertTrue(warning.contains(" WARN "), String(warning))
        XCTAssertTrue(warning.contains("services: [{type: identity, destination: {type: directory, path: /opt/machine-id}}]"), String(warning))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("bare-storage") + "/bot_identity.json"), run.stderr)
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
        XCTAssertEqual(try bot.permissions(storage + "/id_bkp"), 0o600)
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
