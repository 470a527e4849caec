import CLISupport
import Foundation
import JoinCore
import Server
import XCTest

/// `tctl nodes ls` prints strings that joined hosts chose. Whatever a server stored (an older
/// server did not refuse them), no control character or terminal escape reaches the
/// operator's terminal, in the table, JSON or YAML, and every field is bounded.
final class NodeListingEscapingTests: XCTestCase {
    private let hostile = NodeSummary(
        hostname: "evil\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}[31mred",
        hostID: "0d7c1a8e-0000-4000-8000-000000000001",
        address: "10.0.0.1:3022\r\nforged-row  uuid  1.2.3.4",
        labels: ["env\u{1B}[8m": "prod\nsecond line", "rlo": "abc\u{202E}fed", "nul": "a\u{0}b\u{9B}c"],
        version: "17.0.0\u{1B}[?1049h")

    /// No C0/C1 control (other than the newlines between rows), no format character.
    private func assertNothingATerminalActsOn(_ output: String, file: StaticString = #filePath, line: UInt = #line) {
        for scalar in output.unicodeScalars where scalar != "\n" {
            XCTAssertTrue(UntrustedString.isPrintable(scalar),
                          "\(UntrustedString.codePoint(scalar)) reached the output", file: file, line: line)
        }
    }

    func testTheTableShowsEscapesAsVisibleTextAndForgesNoRows() {
        let table = NodeListing.table([hostile], labelsWidth: nil)
        assertNothingATerminalActsOn(table)
        XCTAssertTrue(table.contains("evil\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred"), table)
        XCTAssertTrue(table.contains("10.0.0.1:3022\\r\\nforged-row"), table)
        XCTAssertTrue(table.contains("abc\\u{202e}fed"), table)
        XCTAssertTrue(table.contains("a\\x00b\\x9bc"), table)
        // Header, rule and exactly one row.
        XCTAssertEqual(table.split(separator: "\n").count, 3, table)
    }

    func testJSONAndYAMLCarryNoRawControlCharacters() throws {
        for output in [try NodeDocuments.json([hostile]), try NodeDocuments.yaml([hostile])] {
            XCTAssertFalse(output.unicodeScalars.contains("\u{1B}"), output)
            XCTAssertFalse(output.unicodeScalars.contains("\u{202E}"), output)
            assertNothingATerminalActsOn(output)
        }
        // A consumer that decodes the JSON (jq -r) still gets escaped text, not the escape.
        let json = try NodeDocuments.json([hostile])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let first = try XCTUnwrap((decoded as? [[String: Any]])?.first ?? (decoded as? [String: Any]))
        let spec = try XCTUnwrap(first["spec"] as? [String: Any])
        let hostname = try XCTUnwrap(spec["hostname"] as? String)
        XCTAssertFalse(hostname.unicodeScalars.contains("\u{1B}"), hostname)
        XCTAssertTrue(hostname.hasPrefix("evil\\x1b"), hostname)
    }

    func testOversizedFieldsAreCutWhenPrinted() {
        let huge = NodeSummary(hostname: String(repeating: "h", count: 10_000), hostID: "id",
                               labels: ["k": String(repeating: "v", count: 10_000)], version: "1")
        let table = NodeListing.table([huge], labelsWidth: nil)
        XCTAssertLessThan(table.count, 2_000, "a 10 000 character field must not be printed whole")
        XCTAssertTrue(table.contains(String(repeating: "h", count: 256) + "..."))
    }

    func testOrdinaryNodesPrintUnchanged() {
        let node = NodeSummary(hostname: "web-1.example.com", hostID: "id-1", address: "[::1]:3022",
                               labels: ["teleport.dev/origin": "config", "région": "café"], version: "17.0.0")
        XCTAssertEqual(node.escapedForTerminal, node)
    }

    func testRecordsStoredByAnOlderServerAreEscapedOnTheWayOut() async throws {
        // What an Auth server before heartbeat checks would have stored, read back through the
        // registry as `tctl nodes ls` receives it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("node-listing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let backend = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: SystemClock())
        let record = NodeRecord(hostID: "old-1", hostname: "old\u{1B}[31m", address: "", version: "1\n2",
                                labels: ["a": "\u{1B}]52;c;ZXZpbA==\u{07}"], roles: ["Node"], lastSeen: Date())
        _ = try await backend.put("/nodes/old-1", value: try JSONEncoder().encode(record), expires: Date().addingTimeInterval(600))
        let stored = try await NodeRegistry(backend: backend, clock: SystemClock()).list()
        let summaries = stored.map {
            NodeSummary(hostname: $0.hostname, hostID: $0.hostID, address: $0.address, labels: $0.labels, version: $0.version)
        }
        XCTAssertEqual(summaries.count, 1)
        let outputs = [NodeListing.table(summaries), try NodeDocuments.json(summaries), try NodeDocuments.yaml(summaries)]
        for output in outputs {
            assertNothingATerminalActsOn(output)
        }
        XCTAssertTrue(outputs[0].contains("old\\x1b[31m"), outputs[0])
    }
}
