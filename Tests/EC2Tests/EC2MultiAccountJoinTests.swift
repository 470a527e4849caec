import AWSKit
import EC2Join
import Foundation
import JoinCore
import TestSupport
import XCTest

/// Multi-account joins (spec §6.2 step 7): a rule with `aws_role` makes the Auth server assume
/// that role with its own credentials and ask `DescribeInstances` in the role's account.
///
/// moto checks SigV4 signatures and IAM permissions here (after the bootstrap's unauthenticated
/// calls), so every call our AWS clients make — AssumeRole with the Auth server's keys,
/// DescribeInstances with the session token of the assumed role — is verified by a peer.
final class EC2MultiAccountJoinTests: XCTestCase {
    static let region = "us-east-1"
    static let otherAccount = MotoTwoAccounts.otherAccount
    static let wrongSecret = "wrong-secret-0123456789abcdefghijklmnopqrs"

    private var moto: MotoServer!
    private var accounts: MotoTwoAccounts!
    private var signer: TestIdentityDocumentSigner!
    private var certificates: URL!
    private var clock: ManualClock!
    private var instanceID: String!
    private var document: Data!

    override func setUp() async throws {
        moto = try await MotoServer(checkSignaturesAfter: MotoTwoAccounts.bootstrapActionCount)
        accounts = try MotoTwoAccounts.bootstrap(moto)
        instanceID = try accounts.runInstanceInOtherAccount(region: Self.region)
        signer = try TestIdentityDocumentSigner()
        certificates = try signer.makeCertificatesDirectory(regions: [Self.region])
        clock = ManualClock(EC2MethodHarness.pendingTime)
        document = try signer.sign(TestIdentityDocumentSigner.document(
            accountId: Self.otherAccount, region: Self.region, instanceId: instanceID, pendingTime: EC2MethodHarness.pendingTime))
    }

    override func tearDown() async throws {
        await moto?.stop()
        if let certificates { try? FileManager.default.removeItem(at: certificates) }
    }

    /// The method as the Auth server runs it, with the IAM user's key ID and `secretKey` (the
    /// real secret when nil) in its environment.
    private func makeMethod(secretKey: String? = nil) throws -> EC2JoinMethod {
        try EC2JoinMethod(
            context: PluginContext(clock: clock, authService: EC2MethodHarness.authService(certificatesDirectory: certificates)),
            instances: try AWSInstanceDirectory(environment: accounts.authEnvironment(secretKey: secretKey)))
    }

    private func attempt(_ rule: AWSAllowRule) -> JoinAttempt {
        EC2MethodHarness.attempt(token: EC2MethodHarness.token(allow: [rule]), document: document, clock: clock)
    }

    private var roleRule: AWSAllowRule { AWSAllowRule(awsRole: MotoTwoAccounts.roleARN) }

    func testRoleRuleJoinsAnInstanceOfAnotherAccountThroughAssumeRole() async throws {
        let joining = attempt(roleRule)
        let attestation = try await attestSucceeds(try makeMethod(), joining)
        XCTAssertEqual(attestation.hostID, "\(Self.otherAccount)-\(instanceID!)")
        XCTAssertEqual(joining.facts.all["aws_account"], Self.otherAccount)
        XCTAssertEqual(try accounts.assumedRoleSessions(named: "joinery-"), 1)
    }

    func testAccountRuleWithoutRoleDoesNotFindTheOtherAccountsInstanceWithTheAuthServersCredentials() async throws {
        let attempt = attempt(AWSAllowRule(awsAccount: Self.otherAccount))
        await attestFails(try makeMethod(), attempt, containing: "failed to get instance state")
        XCTAssertEqual(try accounts.assumedRoleSessions(named: "joinery-"), 0)
        assertFactsRecorded(attempt, account: Self.otherAccount, region: Self.region, instance: instanceID)
    }

    func testAssumedRoleCredentialsAreCachedAcrossJoins() async throws {
        let method = try makeMethod()
        _ = try await attestSucceeds(method, attempt(roleRule))
        _ = try await attestSucceeds(method, attempt(roleRule))
        XCTAssertEqual(try accounts.assumedRoleSessions(named: "joinery-"), 1,
                       "two joins through the same role must make one sts:AssumeRole call")
    }

    func testWrongSecretFailsAssumeRoleWithAWSCodeAndWithoutTheSecret() async throws {
        let error = await attestFails(try makeMethod(secretKey: Self.wrongSecret), attempt(roleRule),
                                      containing: "failed to get instance state")
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("SignatureDoesNotMatch"), message)
        XCTAssertFalse(message.contains(Self.wrongSecret), message)
        XCTAssertFalse(message.contains(accounts.secretKey), message)
    }

    func testWrongSecretFailsDescribeInstancesWithAWSCodeAndWithoutTheSecret() async throws {
        let error = await attestFails(try makeMethod(secretKey: Self.wrongSecret), attempt(AWSAllowRule(awsAccount: Self.otherAccount)),
                                      containing: "failed to get instance state")
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("AuthFailure"), message)
        XCTAssertFalse(message.contains(Self.wrongSecret), message)
        XCTAssertFalse(message.contains(accounts.secretKey), message)
    }
}
