import Foundation
import TestSupport
import XCTest

/// `teleport start` with `join_params.method: iam` against a real Auth process whose STS is a
/// signature-checking `moto_server` (`AWS_ENDPOINT_URL_STS`); the node's credentials and region
/// come from its environment. Needs `.iam` in BuiltInJoinMethods (skips with a note otherwise).
final class IAMJoinEndToEndTests: XCTestCase {
    private var moto: MotoServer!
    private var cluster: ClusterProcesses!
    private var keys: (accessKeyID: String, secretAccessKey: String)!

    override func setUp() async throws {
        moto = try await MotoServer(checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount)
        keys = try moto.createIAMUser(named: "e2e-node")
        cluster = try ClusterProcesses(authEnvironment: ["AWS_ENDPOINT_URL_STS": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true"])
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster?.stop()
        await moto?.stop()
    }

    private func createToken(arn: String) throws {
        let file = cluster.directory.appendingPathComponent("iam-token.yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: iam-fleet
        spec:
          roles: [Node]
          join_method: iam
          allow:
            - aws_account: "123456789012"
              aws_arn: "\(arn)"
        """.write(to: file, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", file.path])
        if created.combined.contains("unknown join method") {
            throw XCTSkip("the iam method is not in BuiltInJoinMethods yet: \(created.combined)")
        }
        XCTAssertEqual(created.status, 0, created.combined)
    }

    private func startNode(_ name: String, secret: String? = nil) throws -> ManagedProcess {
        let config = cluster.directory.appendingPathComponent("\(name).yaml")
        try """
        version: v3
        teleport:
          nodename: \(name)
          data_dir: \(cluster.nodeDataDirectory(name))
          auth_server: \(cluster.authAddress)
          ca_pin: \(try cluster.caPin())
          join_params:
            method: iam
            token_name: iam-fleet
        auth_service:
          enabled: no
        ssh_service:
          enabled: yes
        """.write(to: config, atomically: true, encoding: .utf8)
        return try cluster.startNode(name, ["-c", config.path], environment: [
            "AWS_ACCESS_KEY_ID": keys.accessKeyID, "AWS_SECRET_ACCESS_KEY": secret ?? keys.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        ])
    }

    private func audit() throws -> String { try cluster.tctl(["audit", "ls", "--format=json"]).stdout }

    func testNodeJoinsWithCredentialsFromItsEnvironment() async throws {
        try createToken(arn: "arn:aws:iam::123456789012:user/e2e-*")
        let node = try startNode("iam-node")
        let table = try await cluster.waitForNode("iam-node")
        XCTAssertTrue(table.contains("iam-node"), node.output + (cluster.auth?.output ?? ""))
        let events = try audit()
        XCTAssertTrue(events.contains("\"aws_account\":\"123456789012\""), events)
        XCTAssertTrue(events.contains("e2e-node"), events)
    }

    func testUnmatchedNodeIsRefusedAndAuditedWithItsIdentity() async throws {
        try createToken(arn: "arn:aws:iam::123456789012:user/somebody-else")
        let node = try startNode("iam-intruder")
        let status = await node.waitForExit(seconds: 30)
        XCTAssertNotEqual(status ?? 0, 0)
        XCTAssertTrue(node.output.contains("did not match any allow rules"), node.output)
        let events = try audit()
        XCTAssertTrue(events.contains("\"aws_account\":\"123456789012\""), events)
        XCTAssertTrue(events.contains("e2e-node"), events)
    }

    func testWrongSecretIsRefusedWithSTSReason() async throws {
        try createToken(arn: "arn:aws:iam::123456789012:user/e2e-*")
        let node = try startNode("iam-wrong-secret", secret: "not-the-secret-0123456789")
        _ = await node.waitForExit(seconds: 30)
        XCTAssertTrue(node.output.contains("aws sts api returned status: \\\"403 Forbidden\\\"")
                      || node.output.contains("aws sts api returned status: \"403 Forbidden\""), node.output)
        XCTAssertFalse(node.output.contains("not-the-secret-0123456789"))
    }
}
