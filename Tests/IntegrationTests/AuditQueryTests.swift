import Foundation
import TestSupport
import XCTest

/// `tctl audit ls --method/--outcome/--since/--until` against the real binaries: a refused
/// token join and an admitted static-token join, told apart by the Auth server's filters.
final class AuditQueryTests: XCTestCase {
    private static let staticToken = "static-audit-query-0123456789abcdef"
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses(staticTokens: ["node:\(Self.staticToken)"])
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// The events `tctl audit ls --format=json` prints for `filters`.
    private func events(_ filters: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let result = try cluster.tctl(["audit", "ls", "--format=json"] + filters)
        XCTAssertEqual(result.status, 0, result.combined, file: file, line: line)
        return try result.stdout.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    private func summary(_ events: [[String: Any]]) -> [String] {
        events.map { "\($0["method"] as? String ?? "?") \(($0["success"] as? Bool) == true ? "success" : "failure")" }
    }

    func testOutcomeAndMethodSeparateAFailureFromASuccess() async throws {
        let pin = try cluster.caPin()
        // A failure of the token method: the token exists but does not allow Node.
        let proxyToken = try cluster.addToken(type: "proxy")
        let refused = try cluster.startNode("refused", [
            "--roles=node", "--token=\(proxyToken)", "--ca-pin=\(pin)", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(cluster.nodeDataDirectory("refused"))", "--nodename=refused",
        ])
        let refusedStatus = await refused.waitForExit(seconds: 30)
        XCTAssertNotEqual(refusedStatus, 0, refused.output)
        // A success of the static method.
        _ = try cluster.startNode("admitted", [
            "--roles=node", "--token=\(Self.staticToken)", "--ca-pin=\(pin)", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(cluster.nodeDataDirectory("admitted"))", "--nodename=admitted",
        ])
        let table = try await cluster.waitForNode("admitted")
        XCTAssertTrue(table.contains("admitted"), table)

        XCTAssertEqual(summary(try events([])), ["token failure", "static success"])
        XCTAssertEqual(summary(try events(["--outcome=failure"])), ["token failure"])
        XCTAssertEqual(summary(try events(["--outcome", "success"])), ["static success"])
        XCTAssertEqual(summary(try events(["--method=token"])), ["token failure"])
        XCTAssertEqual(summary(try events(["--method=static"])), ["static success"])
        XCTAssertEqual(summary(try events(["--method=token", "--outcome=success"])), [])
        XCTAssertEqual(summary(try events(["--since=1h", "--outcome=failure"])), ["token failure"])
        XCTAssertEqual(summary(try events(["--until=1h"])), [])
        let failure = try XCTUnwrap(try events(["--outcome=failure"]).first)
        XCTAssertTrue((failure["reason"] as? String)?.contains("the token does not allow role Node") == true, "\(failure)")

        let empty = try cluster.tctl(["audit", "ls", "--method=token", "--outcome=success"])
        XCTAssertEqual(empty.stdout, "No audit events found.\n")
    }

    func testUnknownOutcomesAndUnreadableTimesAreRefusedByTctl() throws {
        let outcome = try cluster.tctl(["audit", "ls", "--outcome=failed"])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stderr.contains("--outcome must be success or failure, not \"failed\""), outcome.combined)
        let since = try cluster.tctl(["audit", "ls", "--since=yesterday"])
        XCTAssertNotEqual(since.status, 0)
        XCTAssertTrue(since.stderr.contains("--since \"yesterday\" is neither an RFC 3339 time"), since.combined)
        let window = try cluster.tctl(["audit", "ls", "--since=2026-01-02T00:00:00Z", "--until=2026-01-01T00:00:00Z"])
        XCTAssertNotEqual(window.status, 0)
        XCTAssertTrue(window.stderr.contains("must be before --until"), window.combined)
    }
}
