import AWSKit
import EC2Join
import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// Spec §14 scenario 1 (`TestJoinEC2`) at the method level: ``EC2JoinMethod/attest(_:over:)``
/// with documents signed by a test CA (trusted through `ec2_certificates_dir`), a clock frozen at
/// their `pendingTime`, and a real `moto_server` answering `DescribeInstances`.
final class EC2JoinMethodTests: XCTestCase {
    static let account = "123456789012"
    static let region = "us-east-1"

    private var moto: MotoServer!
    private var signer: TestIdentityDocumentSigner!
    private var clock: ManualClock!
    private var method: EC2JoinMethod!
    private var instanceID: String!

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
    }

    override func tearDown() async throws {
        await moto?.stop()
    }

    private var hostID: String { "\(Self.account)-\(instanceID!)" }

    private func document(account: String = account, instance: String? = nil) throws -> Data {
        try signer.sign(TestIdentityDocumentSigner.document(
            accountId: account, region: Self.region, instanceId: instance ?? instanceID, pendingTime: EC2MethodHarness.pendingTime))
    }

    private func attempt(_ rules: [AWSAllowRule], document: Data? = nil, presence: any HostPresence = NoHostPresence()) throws -> JoinAttempt {
        EC2MethodHarness.attempt(token: EC2MethodHarness.token(allow: rules), document: try document ?? self.document(),
                                 presence: presence, clock: clock)
    }

    // MARK: Joins

    func testRuleWithAccountAndRegionJoins() async throws {
        let attestation = try await attestSucceeds(method, try attempt([AWSAllowRule(awsAccount: Self.account, awsRegions: [Self.region])]))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testSecondRuleJoinsWhenTheFirstDoesNotMatch() async throws {
        let rules = [AWSAllowRule(awsAccount: "999999999999"), AWSAllowRule(awsAccount: Self.account, awsRegions: [Self.region])]
        let attestation = try await attestSucceeds(method, try attempt(rules))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testRuleWithSeveralRegionsJoinsFromAnyOfThem() async throws {
        let rule = AWSAllowRule(awsAccount: Self.account, awsRegions: ["us-west-2", Self.region, "eu-west-1"])
        let attestation = try await attestSucceeds(method, try attempt([rule]))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testRuleWithOnlyAnAccountJoinsFromAnyRegion() async throws {
        let attestation = try await attestSucceeds(method, try attempt([AWSAllowRule(awsAccount: Self.account)]))
        XCTAssertEqual(attestation.hostID, hostID)
    }

    func testAttestationCarriesHostIDAndVerifiedAccountRegionAndInstance() async throws {
        let joining = try attempt([AWSAllowRule(awsAccount: Self.account)])
        let attestation = try await attestSucceeds(method, joining)
        XCTAssertEqual(attestation.hostID, "\(Self.account)-\(instanceID!)")
        XCTAssertEqual(joining.facts.all["aws_account"], Self.account)
        XCTAssertEqual(joining.facts.all["aws_region"], Self.region)
        XCTAssertEqual(joining.facts.all["instance_id"], instanceID)
        XCTAssertEqual(attestation.tokenChange, .none)
    }

    // MARK: Rejections

    func testRuleForAnotherAccountIsRejected() async throws {
        let attempt = try attempt([AWSAllowRule(awsAccount: "999999999999")])
        await attestFails(method, attempt, containing: "instance \(hostID) did not match any allow rules in token ec2-fleet")
        assertFactsRecorded(attempt, account: Self.account, region: Self.region, instance: instanceID)
    }

    func testRuleForAnotherRegionIsRejected() async throws {
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account, awsRegions: ["us-west-2"])])
        await attestFails(method, attempt, containing: "did not match any allow rules in token ec2-fleet")
        assertFactsRecorded(attempt, account: Self.account, region: Self.region, instance: instanceID)
    }

    func testMissingDocumentIsRejected() async throws {
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)], document: Data())
        await attestFails(method, attempt, containing: "no instance identity document")
        XCTAssertTrue(attempt.facts.all.isEmpty, "nothing was verified, so nothing may be recorded: \(attempt.facts.all)")
    }

    func testGarbageDocumentIsRejected() async throws {
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)], document: Data("this is not a PKCS#7 document".utf8))
        await attestFails(method, attempt, containing: "unable to decode Instance Identity Document")
        XCTAssertTrue(attempt.facts.all.isEmpty, "nothing was verified, so nothing may be recorded: \(attempt.facts.all)")
    }

    func testTerminatedInstanceIsRejectedAsNotRunning() async throws {
        try moto.terminateInstance(instanceID)
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)])
        await attestFails(method, attempt, containing: "instance \(instanceID!) is not running")
        assertFactsRecorded(attempt, account: Self.account, region: Self.region, instance: instanceID)
        XCTAssertEqual(attempt.facts.all["instance_state"], "terminated")
    }

    func testStoppedInstanceIsRejectedAsNotRunning() async throws {
        try moto.stopInstance(instanceID)
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)])
        await attestFails(method, attempt, containing: "is not running")
        XCTAssertEqual(attempt.facts.all["instance_state"], "stopped")
    }

    func testInstanceUnknownToEC2IsRejected() async throws {
        let unknown = "i-0123456789abcdef0"
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)], document: try document(instance: unknown))
        await attestFails(method, attempt, containing: "failed to get instance state")
        assertFactsRecorded(attempt, account: Self.account, region: Self.region, instance: unknown)
    }

    func testLiveHeartbeatWithTheInstancesHostIDIsRejected() async throws {
        let registry = try makeNodeRegistry(clock: clock)
        try await heartbeat(registry, hostID: hostID, roles: [.node])
        let attempt = try attempt([AWSAllowRule(awsAccount: Self.account)], presence: registry)
        await attestFails(method, attempt, containing: "server with host ID \"\(hostID)\" and role \"Node\" already exists")
        assertFactsRecorded(attempt, account: Self.account, region: Self.region, instance: instanceID)
    }

    func testHeartbeatOfAnotherHostDoesNotBlockTheJoin() async throws {
        let registry = try makeNodeRegistry(clock: clock)
        try await heartbeat(registry, hostID: "\(Self.account)-i-0fffffffffffffff0", roles: [.node])
        let attestation = try await attestSucceeds(method, try attempt([AWSAllowRule(awsAccount: Self.account)], presence: registry))
        XCTAssertEqual(attestation.hostID, hostID)
    }
}
