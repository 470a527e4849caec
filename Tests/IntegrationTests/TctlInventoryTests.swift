import Foundation
import TestSupport
import XCTest

/// `tctl inventory ls` against the real binaries: two nodes that joined by different methods
/// are listed with their services, version and the method each joined with; the filters and
/// the JSON form; a bad version is refused before anything is asked.
final class TctlInventoryTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses(staticTokens: ["node:static-inventory-token"])
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private func join(_ name: String, token: String) async throws {
        _ = try cluster.startNode(name, [
            "--roles=node", "--token=\(token)", "--ca-pin=\(try cluster.caPin())", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(cluster.nodeDataDirectory(name))", "--nodename=\(name)",
        ])
        let table = try await cluster.waitForNode(name)
        XCTAssertTrue(table.contains(name), table)
    }

    private func inventory(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try cluster.tctl(["inventory", "ls", "--format=json"] + arguments)
        XCTAssertEqual(result.status, 0, result.combined)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    func testInstancesAreListedWithTheMethodEachJoinedWith() async throws {
        try await join("dynamic", token: try cluster.addToken())
        try await join("static", token: "static-inventory-token")

        let table = try cluster.tctl(["inventory", "ls"])
        XCTAssertEqual(table.status, 0, table.combined)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("Server ID") == true, table.stdout)
        for header in ["Hostname", "Services", "Agent Version", "Join Method"] {
            XCTAssertTrue(lines.first?.contains(header) == true, header)
        }
        let dynamicLine = try XCTUnwrap(lines.first { $0.contains("dynamic") })
        XCTAssertTrue(dynamicLine.contains(" token"), dynamicLine)
        XCTAssertTrue(dynamicLine.contains("Node"), dynamicLine)
        let staticLine = try XCTUnwrap(lines.first { $0.contains(" static ") })
        XCTAssertTrue(staticLine.hasSuffix("static"), staticLine)

        let all = try inventory([])
        let byName = Dictionary(all.compactMap { entry in (entry["hostname"] as? String).map { ($0, entry) } }) { first, _ in first }
        XCTAssertEqual(byName["dynamic"]?["join_method"] as? String, "token")
        XCTAssertEqual(byName["static"]?["join_method"] as? String, "static")
        let hostID = try String(contentsOfFile: cluster.nodeDataDirectory("dynamic") + "/host_uuid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(byName["dynamic"]?["server_id"] as? String, hostID)
        XCTAssertEqual(byName["dynamic"]?["services"] as? [String], ["Node"])
        let version = try XCTUnwrap(byName["dynamic"]?["version"] as? String)

        // Filters: by service, and by version.
        XCTAssertEqual(try inventory(["--services=proxy"]).count, 0)
        XCTAssertGreaterThanOrEqual(try inventory(["--services=node"]).count, 2)
        XCTAssertEqual(try inventory(["--exact-version=\(version)"]).count, all.count)
        XCTAssertEqual(try inventory(["--newer-than=\(version)"]).count, 0)
        XCTAssertEqual(try inventory(["--older-than=999.0.0"]).count, all.count)

        let refused = try cluster.tctl(["inventory", "ls", "--older-than=soon"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--older-than soon: not a version such as 1.2.3"), refused.combined)
    }
}
