import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import TestSupport
import XCTest

/// EC2 and STS clients against a real `moto_server` that checks SigV4 signatures and IAM
/// permissions (`INITIAL_NO_AUTH_ACTION_COUNT`): after the three bootstrap calls that create an
/// IAM user and its keys (TestSupport's `MotoServer.createIAMUser`), every request must be
/// correctly signed with those keys, so moto is an
/// independent oracle for the signer. Clients find moto through `AWS_ENDPOINT_URL`.
final class MotoQueryClientTests: XCTestCase {
    private var moto: MotoServer!
    private var httpClient: HTTPClient!
    private var account: MotoAccount!
    private var userKeys: AWSCredentials!

    override func setUp() async throws {
        moto = try await MotoServer(checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        account = MotoAccount(httpClient: httpClient, motoURL: moto.url)
        let keys = try moto.createIAMUser(named: "joinery-auth")
        userKeys = AWSCredentials(accessKeyID: keys.accessKeyID, secretAccessKey: keys.secretAccessKey)
    }

    override func tearDown() async throws {
        await moto?.stop()
        try? await httpClient?.shutdown()
    }

    private func ec2(_ credentials: AWSCredentials) throws -> EC2Client {
        try EC2Client(httpClient: httpClient, region: MotoAccount.region, credentials: credentials, environment: account.environment)
    }

    private func sts(_ credentials: AWSCredentials) throws -> STSClient {
        try STSClient(httpClient: httpClient, region: MotoAccount.region, credentials: credentials, environment: account.environment)
    }

    func testDescribeInstanceFollowsALaunchedInstanceThroughStopAndTerminate() async throws {
        let id = try await account.runInstance(signedWith: userKeys)
        let running = try await ec2(userKeys).describeInstance(id: id)
        XCTAssertEqual(running?.instanceID, id)
        XCTAssertEqual(running?.stateName, "running")
        XCTAssertEqual(running?.isRunning, true)
        XCTAssertEqual(running?.ownerID, "123456789012")

        try await account.stopInstance(id, signedWith: userKeys)
        let stopped = try await ec2(userKeys).describeInstance(id: id)
        XCTAssertEqual(stopped?.stateName, "stopped")
        XCTAssertEqual(stopped?.isRunning, false)

        try await account.terminateInstance(id, signedWith: userKeys)
        let terminated = try await ec2(userKeys).describeInstance(id: id)
        XCTAssertEqual(terminated?.stateName, "terminated")
    }

    func testAnUnknownInstanceIsNil() async throws {
        _ = try await account.runInstance(signedWith: userKeys)
        let unknown = try await ec2(userKeys).describeInstance(id: "i-0123456789abcdef0")
        XCTAssertNil(unknown)
    }

    func testBatchDescribeReturnsKnownInstancesAndLeavesOutUnknownOnes() async throws {
        let first = try await account.runInstance(signedWith: userKeys)
        let second = try await account.runInstance(signedWith: userKeys)
        try await account.stopInstance(second, signedWith: userKeys)
        let states = try await ec2(userKeys).describeInstances(ids: [first, second, "i-0123456789abcdef0"])
        XCTAssertEqual(Set(states.keys), [first, second])
        XCTAssertEqual(states[first]?.stateName, "running")
        XCTAssertEqual(states[second]?.stateName, "stopped")
    }

    func testGetCallerIdentityNamesTheIAMUser() async throws {
        let identity = try await sts(userKeys).getCallerIdentity()
        XCTAssertEqual(identity.account, "123456789012")
        XCTAssertEqual(identity.arn, "arn:aws:iam::123456789012:user/joinery-auth")
        XCTAssertFalse(identity.userID.isEmpty)
    }

    func testAssumedRoleCredentialsSignCallsAsTheAssumedRole() async throws {
        let roleARN = try await account.createRole(named: "joinery-describer", signedWith: userKeys)
        let assumed = try await sts(userKeys).assumeRole(roleARN: roleARN, sessionName: "joinery-test", durationSeconds: 900)
        XCTAssertNotNil(assumed.sessionToken)
        XCTAssertNotNil(assumed.expiration)
        XCTAssertNotEqual(assumed.accessKeyID, userKeys.accessKeyID)

        let identity = try await sts(assumed).getCallerIdentity()
        XCTAssertEqual(identity.arn, "arn:aws:sts::123456789012:assumed-role/joinery-describer/joinery-test")

        // The session token is signed and checked by moto on an EC2 call too.
        let id = try await account.runInstance(signedWith: userKeys)
        let state = try await ec2(assumed).describeInstance(id: id)
        XCTAssertEqual(state?.stateName, "running")
    }

    func testAWrongSecretKeyIsSignatureDoesNotMatchWithItsCodeAndStatus() async throws {
        let wrong = AWSCredentials(accessKeyID: userKeys.accessKeyID, secretAccessKey: "not-the-secret-at-all-0123456789")
        do {
            _ = try await sts(wrong).getCallerIdentity()
            XCTFail("expected SignatureDoesNotMatch")
        } catch let error as AWSServiceError {
            XCTAssertEqual(error.code, "SignatureDoesNotMatch")
            XCTAssertEqual(error.status, 403)
            XCTAssertEqual(error.service, "STS")
            XCTAssertEqual(error.joinError.kind, .accessDenied)
            XCTAssertFalse("\(error)".contains("not-the-secret-at-all"))
            XCTAssertTrue("\(error)".contains("secret access key"), "\(error)")
        }
        // EC2 reports the same failure as AuthFailure.
        do {
            _ = try await ec2(wrong).describeInstance(id: "i-0123456789abcdef0")
            XCTFail("expected AuthFailure")
        } catch let error as AWSServiceError {
            XCTAssertEqual(error.code, "AuthFailure")
            XCTAssertEqual(error.service, "EC2")
        }
    }
}
