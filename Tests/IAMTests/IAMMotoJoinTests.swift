import AWSKit
import AsyncHTTPClient
import Foundation
@testable import IAMJoin
import JoinCore
import Server
import TestSupport
import XCTest

/// Real joins through the in-process Auth pipeline, with STS played by a real `moto_server`
/// that checks SigV4 signatures (`INITIAL_NO_AUTH_ACTION_COUNT`): after the calls that create an
/// IAM user and its keys, every request must be correctly signed by a known identity.
final class IAMMotoJoinTests: XCTestCase {
    private var moto: MotoServer!
    private var pipeline: IAMPipeline!
    private var userKeys: AWSCredentials!

    override func setUp() async throws {
        moto = try await MotoServer(checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount)
        let keys = try moto.createIAMUser(named: "iam-joiner")
        userKeys = AWSCredentials(accessKeyID: keys.accessKeyID, secretAccessKey: keys.secretAccessKey)
        pipeline = try await IAMPipeline(sts: moto.url)
    }

    override func tearDown() async throws {
        await pipeline?.stop()
        await moto?.stop()
    }

    /// The pipeline records verified attributes through `UntrustedString.sanitizeVerified`, which keeps an ARN as it is.
    static func audited(_ arn: String) -> String { UntrustedString.sanitizeVerified(arn) }

    private func proverAnswer(_ credentials: AWSCredentials) throws -> @Sendable (Data) async throws -> Data {
        let prover = try IAMHarness.prover(credentials: credentials)
        return { try await prover.answer($0, for: IAMHarness.keys.proof(token: "iam-fleet", role: .node, nodeName: "iam-node")) }
    }

    private func lastEvent() async throws -> AuditEvent {
        let events = try await pipeline.auditEvents()
        return try XCTUnwrap(events.last)
    }

    func testIAMUserKeysJoinAndTheAuditEventCarriesAccountAndARN() async throws {
        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsAccount: "123456789012",
                                                                     awsARN: "arn:aws:iam::123456789012:user/iam-*")]))
        let (result, sent) = await pipeline.join(token: "iam-fleet", answer: try proverAnswer(userKeys))
        let event = try await lastEvent()
        XCTAssertNotNil(result, "\(sent) \(event)")
        XCTAssertTrue(event.success, event.reason ?? "")
        XCTAssertEqual(event.method, "iam")
        XCTAssertEqual(event.attributes["aws_account"], "123456789012")
        XCTAssertEqual(event.attributes["aws_arn"], Self.audited("arn:aws:iam::123456789012:user/iam-joiner"))
    }

    func testAssumeRoleCredentialsJoinThroughAnAssumedRoleGlob() async throws {
        let httpClient = HTTPClient.shared
        let iamService = AWSService(signingName: "iam", endpointPrefix: "iam", environmentSuffix: "IAM", displayName: "IAM")
        let iam = AWSQueryClient(httpClient: httpClient, service: iamService, endpoint: moto.url, region: "us-east-1",
                                 credentials: userKeys, options: AWSRequestOptions(timeout: .seconds(20)))
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
        let created = try await iam.call(action: "CreateRole", version: "2010-05-08",
                                         parameters: [("RoleName", "joiner-role"), ("AssumeRolePolicyDocument", trust)])
        let roleARN = try XCTUnwrap(created.text(at: "CreateRoleResult", "Role", "Arn"))
        _ = try await iam.call(action: "PutRolePolicy", version: "2010-05-08", parameters: [
            ("RoleName", "joiner-role"), ("PolicyName", "allow-all"),
            ("PolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)])
        let sts = try STSClient(httpClient: httpClient, region: "us-east-1", credentials: userKeys,
                                environment: ["AWS_ENDPOINT_URL": moto.endpoint])
        let assumed = try await sts.assumeRole(roleARN: roleARN, sessionName: "node-7")
        XCTAssertNotNil(assumed.sessionToken)

        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsARN: "arn:aws:sts::*:assumed-role/joiner-role/*")]))
        let (result, _) = await pipeline.join(token: "iam-fleet", answer: try proverAnswer(assumed))
        let event = try await lastEvent()
        XCTAssertNotNil(result, event.reason ?? "")
        XCTAssertEqual(event.attributes["aws_arn"], Self.audited("arn:aws:sts::123456789012:assumed-role/joiner-role/node-7"))
    }

    func testWrongSecretKeyIsRejectedBySTSAndTheJoinFailsWithThatReason() async throws {
        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsAccount: "123456789012")]))
        let wrong = AWSCredentials(accessKeyID: userKeys.accessKeyID, secretAccessKey: "not-the-secret-at-all-0123456789")
        let (result, _) = await pipeline.join(token: "iam-fleet", answer: try proverAnswer(wrong))
        XCTAssertNil(result)
        let event = try await lastEvent()
        XCTAssertFalse(event.success)
        let reason = event.reason ?? ""
        XCTAssertTrue(reason.contains("aws sts api returned status: \"403 Forbidden\""), reason)
        XCTAssertTrue(reason.contains("SignatureDoesNotMatch"), reason)
        XCTAssertFalse(reason.contains("not-the-secret-at-all"), reason)
        XCTAssertNil(event.attributes["aws_arn"])
    }

    func testRejectedIdentityIsAuditedWithItsVerifiedAccountAndARN() async throws {
        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsARN: "arn:aws:iam::123456789012:user/someone-else")]))
        let (result, _) = await pipeline.join(token: "iam-fleet", answer: try proverAnswer(userKeys))
        XCTAssertNil(result)
        let event = try await lastEvent()
        XCTAssertFalse(event.success)
        XCTAssertTrue(event.reason?.contains("instance arn:aws:iam::123456789012:user/iam-joiner did not match any allow rules") ?? false,
                      event.reason ?? "")
        XCTAssertEqual(event.attributes["aws_account"], "123456789012")
        XCTAssertEqual(event.attributes["aws_arn"], Self.audited("arn:aws:iam::123456789012:user/iam-joiner"))
    }

    func testSolutionReplayedOnANewStreamIsRejectedThroughThePipeline() async throws {
        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsAccount: "123456789012")]))
        let answer = try proverAnswer(userKeys)
        let captured = CapturedSolution()
        let (first, _) = await pipeline.join(token: "iam-fleet") { challenge in
            let solution = try await answer(challenge)
            captured.set(solution)
            return solution
        }
        XCTAssertNotNil(first)
        let (replayed, _) = await pipeline.join(token: "iam-fleet") { _ in captured.get() }
        XCTAssertNil(replayed)
        let event = try await lastEvent()
        XCTAssertTrue(event.reason?.contains("does not include challenge header or it does not match") ?? false, event.reason ?? "")
    }
}

final class CapturedSolution: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Data()
    func set(_ data: Data) { lock.withLock { value = data } }
    func get() -> Data { lock.withLock { value } }
}
