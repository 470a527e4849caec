import EC2Join
import Foundation
import TestSupport
import XCTest

/// The whole EC2 path with real processes: `teleport start` with `join_params.method: ec2`
/// fetches a signed document from an IMDSv2 on 127.0.0.1, the Auth server verifies it against
/// a test CA in `ec2_certificates_dir` and asks a real `moto_server` whether the instance runs.
final class EC2JoinEndToEndTests: XCTestCase {
    private var moto: MotoServer!
    private var imds: FakeIMDSServer!
    private var cluster: ClusterProcesses!
    private var signer: TestIdentityDocumentSigner!
    private var instanceID: String!
    static let account = "123456789012"

    override func setUp() async throws {
        moto = try await MotoServer()
        instanceID = try moto.runInstance()
        signer = try TestIdentityDocumentSigner()
        let certificates = try signer.makeCertificatesDirectory(regions: ["us-east-1"])
        imds = try await FakeIMDSServer(rsa2048Document: try document(instance: instanceID))
        cluster = try ClusterProcesses(
            extraAuthYAML: "  aws:\n    ec2_certificates_dir: \(certificates.path)\n",
            authEnvironment: moto.awsEnvironment())
        try await cluster.startAuth()
        let token = cluster.directory.appendingPathComponent("ec2-token.yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: ec2-fleet
        spec:
          roles: [Node]
          join_method: ec2
          allow:
            - aws_account: "999999999999"
            - aws_account: "\(Self.account)"
              aws_regions: [us-east-1]
        """.write(to: token, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", token.path])
        XCTAssertEqual(created.status, 0, created.combined)
    }

    override func tearDown() async throws {
        await cluster?.stop()
        await imds?.stop()
        await moto?.stop()
    }

    private func document(instance: String, pendingTime: Date = Date(), account: String = account) throws -> Data {
        try signer.sign(TestIdentityDocumentSigner.document(accountId: account, region: "us-east-1",
                                                           instanceId: instance, pendingTime: pendingTime))
    }

    private func startNode(_ name: String, imdsEndpoint: String? = nil) throws -> ManagedProcess {
        let config = cluster.directory.appendingPathComponent("\(name).yaml")
        try """
        version: v3
        teleport:
          nodename: \(name)
          data_dir: \(cluster.nodeDataDirectory(name))
          auth_server: \(cluster.authAddress)
          ca_pin: \(try cluster.caPin())
          join_params:
            method: ec2
            token_name: ec2-fleet
        auth_service:
          enabled: no
        ssh_service:
          enabled: yes
        """.write(to: config, atomically: true, encoding: .utf8)
        return try cluster.startNode(name, ["-c", config.path],
                                     environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imdsEndpoint ?? imds.endpoint])
    }

    private func audit() throws -> String { try cluster.tctl(["audit", "ls", "--format=json"]).stdout }

    func testInstanceJoinsAndASecondProcessOnTheSameInstanceIsRefused() async throws {
        let first = try startNode("ec2-node")
        let hostID = "\(Self.account)-\(instanceID!)"
        let table = try await cluster.waitForNode(hostID)
        XCTAssertTrue(table.contains(hostID), first.output + (cluster.auth?.output ?? ""))
        let stored = try String(contentsOfFile: cluster.nodeDataDirectory("ec2-node") + "/host_uuid", encoding: .utf8)
        XCTAssertEqual(stored.trimmingCharacters(in: .whitespacesAndNewlines), hostID)

        let second = try startNode("ec2-node-twin")
        let status = await second.waitForExit(seconds: 30)
        XCTAssertNotNil(status)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(second.output.contains("server with host ID \"\(hostID)\" and role \"Node\" already exists"), second.output)
        let events = try audit()
        XCTAssertTrue(events.contains("\"aws_account\":\"\(Self.account)\""), events)
        XCTAssertTrue(events.contains("\"instance_id\":\"\(instanceID!)\""), events)
        XCTAssertTrue(events.contains("already exists"), events)
    }

    func testStoppedInstanceIsRejectedAsNotRunning() async throws {
        try moto.stopInstance(instanceID)
        let node = try startNode("stopped-node")
        let status = await node.waitForExit(seconds: 30)
        XCTAssertNotEqual(status ?? 0, 0)
        XCTAssertTrue(node.output.contains("is not running"), node.output)
        XCTAssertTrue(try audit().contains("\"aws_region\":\"us-east-1\""))
    }

    func testUnknownInstanceIsRejected() async throws {
        try imds.serve(try document(instance: "i-0123456789abcdef0"))
        let node = try startNode("ghost-node")
        _ = await node.waitForExit(seconds: 30)
        XCTAssertTrue(node.output.contains("failed to get instance state"), node.output)
    }

    func testDocumentFromAnotherAccountMatchesNoRule() async throws {
        try imds.serve(try document(instance: instanceID, account: "111111111111"))
        let node = try startNode("foreign-node")
        _ = await node.waitForExit(seconds: 30)
        XCTAssertTrue(node.output.contains("did not match any allow rules in token ec2-fleet"), node.output)
    }

    func testStaleDocumentIsRejected() async throws {
        try imds.serve(try document(instance: instanceID, pendingTime: Date().addingTimeInterval(-600)))
        let node = try startNode("stale-node")
        _ = await node.waitForExit(seconds: 30)
        XCTAssertTrue(node.output.contains("older than the configured TTL"), node.output)
    }

    func testUnreachableMetadataServiceGivesAClearErrorAndNoAttempt() async throws {
        let node = try startNode("no-imds-node", imdsEndpoint: "http://127.0.0.1:\(FreePort.next())")
        let status = await node.waitForExit(seconds: 30)
        XCTAssertNotEqual(status ?? 0, 0)
        XCTAssertTrue(node.output.contains("cannot reach the EC2 instance metadata service"), node.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.nodeDataDirectory("no-imds-node") + "/identity.json"))
    }
}
