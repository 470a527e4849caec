import Foundation
import TestSupport
import XCTest

/// Labels a node cannot forge (issue 20, item 6), against the real binaries: labels on the token
/// that admitted a node — `tctl tokens add --labels`, or `spec.suggested_labels` — win over what
/// the node reports in its heartbeats, and `tctl nodes ls` shows which labels are bound.
final class TokenBoundLabelsTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private func join(_ name: String, token: String, labels: String) async throws {
        _ = try cluster.startNode(name, [
            "--roles=node", "--token=\(token)", "--ca-pin=\(try cluster.caPin())", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(cluster.nodeDataDirectory(name))", "--nodename=\(name)", "--labels=\(labels)",
        ])
        let table = try await cluster.waitForNode(name)
        XCTAssertTrue(table.contains(name), table)
    }

    private func node(_ name: String) throws -> [String: Any] {
        let result = try cluster.tctl(["nodes", "ls", "--format=json"])
        XCTAssertEqual(result.status, 0, result.combined)
        let nodes = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return try XCTUnwrap(nodes.first { ($0["spec"] as? [String: Any])?["hostname"] as? String == name })
    }

    func testTheTokensLabelsWinOverWhatTheNodeReports() async throws {
        let added = try cluster.tctl(["tokens", "add", "--type=node", "--labels=env=prod", "--format=text"])
        XCTAssertEqual(added.status, 0, added.combined)
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try await join("web-1", token: token, labels: "env=dev,team=infra")

        let listed = try node("web-1")
        let labels = try XCTUnwrap((listed["metadata"] as? [String: Any])?["labels"] as? [String: String])
        XCTAssertEqual(labels, ["env": "prod", "team": "infra"], "env is the token's; team, unbound, is the node's own")
        XCTAssertEqual((listed["spec"] as? [String: Any])?["bound_labels"] as? [String], ["env"])
        let table = try cluster.tctl(["nodes", "ls"]).stdout
        XCTAssertTrue(table.contains("env=prod*,team=infra"), table)
        XCTAssertTrue(table.contains("* bound by the token the node joined with"), table)

        // suggested_labels in a token file bind the same way, and win over metadata.labels.
        try """
            kind: token
            version: v2
            metadata:
              name: staging-nodes-token-0123456789
              labels: {env: prod, tier: web}
            spec:
              roles: [Node]
              join_method: token
              suggested_labels:
                env: [staging]
            """.write(toFile: cluster.directory.appendingPathComponent("token.yaml").path, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", "-f", cluster.directory.appendingPathComponent("token.yaml").path])
        XCTAssertEqual(created.status, 0, created.combined)
        try await join("web-2", token: "staging-nodes-token-0123456789", labels: "env=dev,tier=db")
        let second = try node("web-2")
        XCTAssertEqual((second["metadata"] as? [String: Any])?["labels"] as? [String: String], ["env": "staging", "tier": "web"])
        XCTAssertEqual((second["spec"] as? [String: Any])?["bound_labels"] as? [String], ["env", "tier"])

        // A node admitted by a token without labels keeps its own, and nothing is marked.
        try await join("plain-1", token: try cluster.addToken(), labels: "env=dev")
        let plain = try node("plain-1")
        XCTAssertEqual((plain["metadata"] as? [String: Any])?["labels"] as? [String: String], ["env": "dev"])
        XCTAssertNil((plain["spec"] as? [String: Any])?["bound_labels"])
    }
}
