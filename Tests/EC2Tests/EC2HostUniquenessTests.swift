import AWSKit
import EC2Join
import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// Spec §14 scenario 3 (`TestHostUniqueCheck`): a token for Node, Proxy, Kube, Db, App,
/// WindowsDesktop, MDM, Discovery and Okta. An Instance join checks every role of the token
/// that heartbeats; a live heartbeat with the instance's host ID in any of them refuses it.
/// MDM and Discovery are never checked; Bot is not a role the EC2 method serves.
final class EC2HostUniquenessTests: XCTestCase {
    static let account = "123456789012"
    static let region = "us-east-1"
    static let tokenRoles: [SystemRole] = [.node, .proxy, .kube, .db, .app, .windowsDesktop, .mdm, .discovery, .okta]

    private var moto: MotoServer!
    private var signer: TestIdentityDocumentSigner!
    private var clock: ManualClock!
    private var method: EC2JoinMethod!
    private var registry: NodeRegistry!
    private var instanceID: String!
    private var document: Data!

    override func setUp() async throws {
        moto = try await MotoServer()
        instanceID = try moto.runInstance(region: Self.region)
        signer = try TestIdentityDocumentSigner()
        let certificates = try signer.makeCertificatesDirectory(regions: [Self.region])
        addTeardownBlock { try? FileManager.default.removeItem(at: certificates) }
        clock = ManualClock(EC2MethodHarness.pendingTime)
        method = try EC2JoinMethod(
            context: PluginContext(clock: clock, authService: EC2MethodHarness.authService(certificatesDirectory: certificates)),
            instances: try AWSInstanceDirectory(environment: moto.awsEnvironment()))
        registry = try makeNodeRegistry(clock: clock)
        document = try signer.sign(TestIdentityDocumentSigner.document(
            accountId: Self.account, region: Self.region, instanceId: instanceID, pendingTime: EC2MethodHarness.pendingTime))
    }

    override func tearDown() async throws {
        await moto?.stop()
    }

    private var hostID: String { "\(Self.account)-\(instanceID!)" }

    private func attempt(as role: SystemRole) -> JoinAttempt {
        EC2MethodHarness.attempt(
            token: EC2MethodHarness.token(roles: Self.tokenRoles, allow: [AWSAllowRule(awsAccount: Self.account)]),
            document: document, role: role, presence: registry, clock: clock)
    }

    /// A live heartbeat as `role` refuses an Instance join naming that role.
    private func assertHeartbeatAsRoleRefusesInstanceJoin(_ role: SystemRole, file: StaticString = #filePath, line: UInt = #line) async throws {
        try await heartbeat(registry, hostID: hostID, roles: [role])
        await attestFails(method, attempt(as: .instance),
                          containing: "server with host ID \"\(hostID)\" and role \"\(role)\" already exists", file: file, line: line)
    }

    func testInstanceJoinSucceedsWithNoHeartbeats() async throws {
        let attestation = try await attestSucceeds(method, attempt(as: .instance))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testNodeHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.node)
    }

    func testProxyHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.proxy)
    }

    func testKubeHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.kube)
    }

    func testDbHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.db)
    }

    func testAppHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.app)
    }

    func testWindowsDesktopHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.windowsDesktop)
    }

    func testOktaHeartbeatRefusesInstanceJoin() async throws {
        try await assertHeartbeatAsRoleRefusesInstanceJoin(.okta)
    }

    func testMDMAndDiscoveryHeartbeatsDoNotRefuseInstanceJoin() async throws {
        try await heartbeat(registry, hostID: hostID, roles: [.mdm, .discovery])
        let attestation = try await attestSucceeds(method, attempt(as: .instance))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testMDMRequestIsNeverBlocked() async throws {
        try await heartbeat(registry, hostID: hostID, roles: Self.tokenRoles)
        let attestation = try await attestSucceeds(method, attempt(as: .mdm))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testDiscoveryRequestIsNeverBlocked() async throws {
        try await heartbeat(registry, hostID: hostID, roles: Self.tokenRoles)
        let attestation = try await attestSucceeds(method, attempt(as: .discovery))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testBotRequestIsRefusedAsUnsupported() async throws {
        await attestFails(method, attempt(as: .bot), .badParameter, containing: "role Bot is unsupported for the EC2 join method")
    }
}
