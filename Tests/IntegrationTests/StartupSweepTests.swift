import Foundation
import JoinCore
import TestSupport
import XCTest

/// `teleport start` and `tbot start`, as real processes, remove the temporary files a crash
/// left in the directories they write (shaped as ``JoinCore/AtomicFile`` names them), log how
/// many, never what they held, and leave every other file — including look-alikes and
/// temporaries outside their directories — untouched.
final class StartupSweepTests: XCTestCase {
    private let secret = "-----BEGIN PRIVATE KEY-----\nLEFTOVER-\(UUID().uuidString)\n"

    private func plant(_ name: String, in directory: String, content: String? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        try Data((content ?? secret).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func testTeleportStartSweepsItsDataDirectoryOnly() async throws {
        let cluster = try ClusterProcesses()
        defer { Task { await cluster.stop() } }
        let dataDir = cluster.directory.path + "/auth"
        let leftovers = [
            try plant(AtomicFile.temporaryName(for: "host_uuid"), in: dataDir),
            try plant(AtomicFile.temporaryName(for: "host.key"), in: dataDir + "/keys"),
            try plant(AtomicFile.temporaryName(for: "admin.key"), in: dataDir + "/admin"),
        ]
        let kept = [
            try plant("notes.tmp", in: dataDir, content: "mine\n"),
            try plant("keep.pem", in: dataDir + "/keys", content: "real\n"),
            // Ours in shape, but outside data_dir's writer directories.
            try plant(AtomicFile.temporaryName(for: "host.key"), in: cluster.directory.path),
            try plant(AtomicFile.temporaryName(for: "state"), in: dataDir + "/plugins/example"),
        ]
        try await cluster.startAuth()
        for path in leftovers { XCTAssertFalse(exists(path), "left: \(path)") }
        for path in kept { XCTAssertTrue(exists(path), "removed: \(path)") }
        XCTAssertEqual(try String(contentsOfFile: dataDir + "/keys/keep.pem", encoding: .utf8), "real\n")
        let output = cluster.auth?.output ?? ""
        let swept = output.split(separator: "\n").filter { $0.contains("removed leftover temporary files") }
        XCTAssertEqual(swept.count, 3, output)
        XCTAssertTrue(swept.allSatisfy { $0.contains("count=1") }, "\(swept)")
        XCTAssertFalse(output.contains("LEFTOVER-"), "the content of a leftover reached the log")
        // The Auth server works as before.
        XCTAssertFalse(try cluster.caPin().isEmpty)
    }

    func testTbotStartSweepsItsStorageAndOutputs() async throws {
        let bot = try await TbotHarness.started()
        defer { Task { await bot.stop() } }
        let token = try bot.createBotAndToken()
        let storage = bot.path("bot-storage"), output = bot.path("machine-id")
        let config = try bot.writeConfig("tbot.yaml", token: token, storage: storage, output: output)
        let leftovers = [
            try plant(AtomicFile.temporaryName(for: "bot_identity.json"), in: storage),
            try plant(AtomicFile.temporaryName(for: "id_bkp"), in: storage),
            try plant(AtomicFile.temporaryName(for: "key"), in: output),
        ]
        let kept = [
            try plant("scratch.tmp", in: output, content: "mine\n"),
            try plant(AtomicFile.temporaryName(for: "key"), in: bot.path("elsewhere")),
        ]
        let run = try bot.run(["start", "-c", config])
        XCTAssertEqual(run.status, 0, run.combined)
        for path in leftovers { XCTAssertFalse(exists(path), "left: \(path)") }
        for path in kept { XCTAssertTrue(exists(path), "removed: \(path)") }
        XCTAssertTrue(exists(output + "/key"), "the output was written after the sweep")
        XCTAssertTrue(run.stderr.contains("removed leftover temporary files"), run.stderr)
        XCTAssertTrue(run.stderr.contains("count=2"), run.stderr)
        XCTAssertFalse(run.combined.contains("LEFTOVER-"))
    }
}
