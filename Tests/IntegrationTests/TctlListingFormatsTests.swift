import Foundation
import TestSupport
import XCTest

/// `tctl status`, `tctl nodes ls`, `tctl bots ls` and `tctl audit ls` against the real
/// binaries: `--format=text|json|yaml` where a script needs it, when each node was last seen,
/// and who joined in the audit table.
final class TctlListingFormatsTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func tctl(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try cluster.tctl(arguments)
        XCTAssertEqual(result.status, 0, result.combined, file: file, line: line)
        return result.stdout
    }

    func testStatusInTextJSONAndYAMLNamesTheSameClusterAndPin() throws {
        let table = try tctl(["status"])
        XCTAssertEqual(try tctl(["status", "--format=text"]), table)
        let pin = try cluster.caPin()

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try tctl(["status", "--format=json"]).utf8)) as? [String: Any])
        XCTAssertEqual(json["cluster_name"] as? String, "it.example.com")
        XCTAssertFalse((json["version"] as? String ?? "").isEmpty, "\(json)")
        XCTAssertEqual(json["ca_pins"] as? [String], [pin])
        let authorities = try XCTUnwrap(json["authorities"] as? [[String: String]])
        XCTAssertTrue(authorities.contains { $0["type"] == "host" && $0["last_updated"] == "never updated" }, "\(authorities)")

        let yaml = try tctl(["status", "--format=yaml"])
        XCTAssertTrue(yaml.hasPrefix("cluster_name: it.example.com\n"), yaml)
        XCTAssertTrue(yaml.contains("ca_pins:\n- \(pin)\n"), yaml)

        let refused = try cluster.tctl(["status", "--format=xml"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--format xml: unsupported format; use text, json or yaml"), refused.stderr)
    }

    func testAJoinedNodeIsListedWithWhenItWasLastSeenAndNamedInTheAuditTable() async throws {
        _ = try cluster.startNode("seen-node", [
            "--roles=node", "--token=\(try cluster.addToken())", "--ca-pin=\(try cluster.caPin())",
            "--auth-server=\(cluster.authAddress)", "--data-dir=\(cluster.nodeDataDirectory("seen-node"))", "--nodename=seen-node",
        ])
        let table = try await cluster.waitForNode("seen-node")
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("Host ") == true, table)
        XCTAssertTrue(lines.first?.hasSuffix(" Last Seen") == true, table)
        let row = try XCTUnwrap(lines.first { $0.hasPrefix("seen-node ") }, table)
        XCTAssertNotNil(row.range(of: #" \d\d [A-Z][a-z]{2} \d\d \d\d:\d\d UTC \(\d+s ago\)$"#, options: .regularExpression), row)
        XCTAssertEqual(try tctl(["nodes", "ls", "--format=text"]).split(separator: "\n").first.map(String.init), lines.first)

        let documents = try JSONSerialization.jsonObject(with: Data(try tctl(["nodes", "ls", "--format=json"]).utf8)) as? [[String: Any]]
        XCTAssertEqual(documents?.first?["kind"] as? String, "node")
        XCTAssertEqual((documents?.first?["spec"] as? [String: Any])?["hostname"] as? String, "seen-node")

        let audit = try tctl(["audit", "ls"]).split(separator: "\n").map(String.init)
        XCTAssertTrue(audit.first?.contains(" Role Name ") == true, audit.first ?? "")
        XCTAssertTrue(audit.contains { $0.contains(" Node ") && $0.contains(" seen-node ") }, audit.joined(separator: "\n"))
    }

    func testBotsListInTextJSONAndYAML() throws {
        let added = try tctl(["bots", "add", "deployer", "--roles=access,editor"])
        XCTAssertTrue(added.hasPrefix("The bot token: "), added)

        let table = try tctl(["bots", "ls"])
        XCTAssertEqual(table, "Bot      Roles\n-------- -------------\ndeployer access,editor\n")
        XCTAssertEqual(try tctl(["bots", "ls", "--format=text"]), table)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try tctl(["bots", "ls", "--format=json"]).utf8)) as? [[String: Any]])
        XCTAssertEqual(json.count, 1)
        XCTAssertEqual(json.first?["kind"] as? String, "bot")
        XCTAssertEqual((json.first?["spec"] as? [String: Any])?["roles"] as? [String], ["access", "editor"])
        let yaml = try tctl(["bots", "ls", "--format=yaml"])
        XCTAssertTrue(yaml.contains("kind: bot\n"), yaml)
        XCTAssertTrue(yaml.contains("name: deployer\n"), yaml)
    }
}
