import Foundation
import JoinCore
import Logging
import TestSupport
import XCTest

/// The start-up sweep removes exactly what an interrupted ``AtomicFile`` write leaves behind,
/// in the directories it is given, and logs how many without their content.
final class LeftoverTemporaryFilesTests: XCTestCase {
    private var root: URL!
    private let manager = FileManager.default

    override func setUpWithError() throws {
        root = manager.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try manager.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? manager.removeItem(at: root)
    }

    private func plant(_ name: String, in directory: URL, content: String = "-----BEGIN PRIVATE KEY-----\nPLANTED\n") throws -> URL {
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(content.utf8).write(to: url)
        return url
    }

    private func exists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }

    func testTheWritersOwnTemporaryNamesAreRecognisedAndLookAlikesAreNot() {
        let made = AtomicFile.temporaryName(for: "host.key")
        XCTAssertTrue(AtomicFile.isTemporaryName(made), made)
        XCTAssertTrue(AtomicFile.isTemporaryName(".identity.json.\(UUID().uuidString).tmp"))
        for name in [
            "notes.tmp", ".tmp", "host.key.tmp", ".host.key.tmp", "host.key.\(UUID().uuidString).tmp",
            ".\(UUID().uuidString).tmp", "..\(UUID().uuidString).tmp", ".host.key.\(UUID().uuidString.lowercased()).tmp",
            ".host.key.\(UUID().uuidString).tmp.bak", ".host.key.not-a-uuid-at-all-0000000000000000.tmp",
        ] {
            XCTAssertFalse(AtomicFile.isTemporaryName(name), name)
        }
    }

    func testTemporariesAreRemovedAndRealFilesAndLookAlikesAreLeft() throws {
        let keys = root.appendingPathComponent("keys")
        let temporaries = [
            try plant(AtomicFile.temporaryName(for: "identity.json"), in: root),
            try plant(AtomicFile.temporaryName(for: "host.key"), in: keys),
            try plant(AtomicFile.temporaryName(for: "ssh_host_key"), in: keys),
        ]
        let kept = [
            try plant("identity.json", in: root, content: "{}"),
            try plant("host.key", in: keys),
            try plant("notes.tmp", in: root),
            try plant(".host.key.tmp", in: keys),
        ]
        let removed = LeftoverTemporaryFiles.sweep([root, keys], logger: Logger(label: "test"))
        XCTAssertEqual(removed, 3)
        for url in temporaries { XCTAssertFalse(exists(url), "\(url.lastPathComponent) was left") }
        for url in kept { XCTAssertTrue(exists(url), "\(url.lastPathComponent) was removed") }
        XCTAssertEqual(try String(contentsOf: keys.appendingPathComponent("host.key"), encoding: .utf8),
                       "-----BEGIN PRIVATE KEY-----\nPLANTED\n")
    }

    func testDirectoriesNotListedAndSubdirectoriesAreNotSwept() throws {
        let outside = root.appendingPathComponent("elsewhere")
        let below = root.appendingPathComponent("data").appendingPathComponent("plugins")
        let foreign = try plant(AtomicFile.temporaryName(for: "host.key"), in: outside)
        let nested = try plant(AtomicFile.temporaryName(for: "state"), in: below)
        let removed = LeftoverTemporaryFiles.sweep([root.appendingPathComponent("data")], logger: Logger(label: "test"))
        XCTAssertEqual(removed, 0)
        XCTAssertTrue(exists(foreign))
        XCTAssertTrue(exists(nested))
    }

    func testSymbolicLinksAreNeitherFollowedNorRemoved() throws {
        let data = root.appendingPathComponent("data")
        try manager.createDirectory(at: data, withIntermediateDirectories: true)
        // A link shaped like a temporary, pointing at a real file elsewhere.
        let target = try plant("precious", in: root.appendingPathComponent("other"))
        let link = data.appendingPathComponent(AtomicFile.temporaryName(for: "host.key"))
        try manager.createSymbolicLink(at: link, withDestinationURL: target)
        // A data directory that is itself a link to a directory holding a temporary.
        let linkedTemporary = try plant(AtomicFile.temporaryName(for: "host.key"), in: root.appendingPathComponent("linked"))
        let linkedDirectory = root.appendingPathComponent("linked-data")
        try manager.createSymbolicLink(at: linkedDirectory, withDestinationURL: root.appendingPathComponent("linked"))
        let removed = LeftoverTemporaryFiles.sweep([data, linkedDirectory], logger: Logger(label: "test"))
        XCTAssertEqual(removed, 0)
        XCTAssertTrue(exists(link))
        XCTAssertTrue(exists(target))
        XCTAssertTrue(exists(linkedTemporary))
    }

    func testTheLogSaysHowManyAndWhereButNotWhatTheyHeld() throws {
        let secret = "SECRET-KEY-MATERIAL-\(UUID().uuidString)"
        for name in ["host.key", "host.crt"] {
            _ = try plant(AtomicFile.temporaryName(for: name), in: root, content: secret)
        }
        let records = RecordedLogs()
        var logger = Logger(label: "test") { _ in records }
        logger.logLevel = .debug
        LeftoverTemporaryFiles.sweep([root, root.appendingPathComponent("missing")], logger: logger)
        let lines = records.lines
        let info = try XCTUnwrap(lines.first { $0.contains("removed leftover temporary files") }, "\(lines)")
        XCTAssertTrue(info.contains("count=2"), info)
        XCTAssertTrue(info.contains(root.path), info)
        XCTAssertFalse(lines.joined().contains(secret))
    }
}
