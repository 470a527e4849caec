import Foundation
import TestSupport
import XCTest

/// What a newcomer reads before any cluster exists, from the real binaries: every `--help`
/// page, the version each binary prints, and what `teleport node configure` writes.
final class CLISurfaceTests: XCTestCase {
    private static var binaries: [URL] {
        ["teleport", "tctl", "tbot"].map { ClusterProcesses.binaries.appendingPathComponent($0) }
    }

    override func setUp() async throws {
        for binary in Self.binaries where !FileManager.default.isExecutableFile(atPath: binary.path) {
            throw XCTSkip("\(binary.path) not found; run `swift build` first")
        }
    }

    private func help(_ binary: URL, _ path: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [HelpOptionBlock] {
        let result = try Command.run(binary, path + ["--help"])
        XCTAssertEqual(result.status, 0, result.combined, file: file, line: line)
        return HelpOptionBlock.parse(result.stdout)
    }

    func testEveryOptionOfBothConfigureCommandsHasHelpText() throws {
        for path in [["configure"], ["node", "configure"]] {
            let blocks = try help(ClusterProcesses.teleport, path)
            XCTAssertGreaterThan(blocks.count, 8, "teleport \(path.joined(separator: " ")) --help lists its options")
            for block in blocks {
                XCTAssertFalse(block.ownText.isEmpty, "teleport \(path.joined(separator: " ")): \(block.names) has no help text")
            }
            XCTAssertTrue(blocks.contains { $0.names == "--ca-path <ca-path>" }, "\(path): --ca-path is missing")
        }
    }

    func testNoOptionInAnyHelpPageMentionsItsDefaultTwice() throws {
        var pages = 0
        for binary in Self.binaries {
            for path in try CommandTree.paths(of: binary) {
                pages += 1
                for block in try help(binary, path) {
                    let mentions = block.text.lowercased().components(separatedBy: "default").count - 1
                    XCTAssertLessThanOrEqual(mentions, 1,
                        "\(binary.lastPathComponent) \(path.joined(separator: " ")) --help: \(block.names): \(block.text)")
                }
            }
        }
        XCTAssertGreaterThan(pages, 30, "every subcommand of the three binaries is read")
    }

    func testTheThreeBinariesPrintTheSameVersion() throws {
        let lines = try Self.binaries.map { binary -> String in
            let result = try Command.run(binary, ["version"])
            XCTAssertEqual(result.status, 0, result.combined)
            return result.stdout
        }
        XCTAssertTrue(lines[0].hasPrefix("Teleport v"), lines[0])
        XCTAssertEqual(Set(lines).count, 1, "teleport, tctl and tbot version differ: \(lines)")
    }

    func testNodeConfigureWritesTheCAPath() throws {
        let result = try Command.run(ClusterProcesses.teleport, [
            "node", "configure", "--token=abc", "--proxy=proxy.example.com:443", "--ca-path=/etc/teleport/proxy-ca.pem",
        ])
        XCTAssertEqual(result.status, 0, result.combined)
        XCTAssertTrue(result.stdout.contains("\n  ca_path: /etc/teleport/proxy-ca.pem\n"), result.stdout)
    }
}
