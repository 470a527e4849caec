import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import XCTest

/// What the Auth server does with STS's answer: a bounded read, the status of a non-200 in the
/// error, JSON and XML identities, facts recorded for the audit event on failure too.
final class STSResponseTests: XCTestCase {
    private var fake: FakeSTS?

    override func tearDown() async throws {
        await fake?.stop()
    }

    private func join(against mode: FakeSTS.Mode, arn: String = "arn:aws:iam::123456789012:user/alice",
                      rules: [AWSAllowRule] = [AWSAllowRule(awsAccount: IAMHarness.account)]) async throws -> (IAMJoinMethod, JoinAttempt, ScriptedExchange) {
        let server = try await FakeSTS(mode, arn: arn)
        fake = server
        let method = try IAMHarness.method(sts: server.url)
        let exchange = ScriptedExchange { Data(try IAMHarness.signedRequest(challenge: $0)) }
        return (method, IAMHarness.attempt(IAMHarness.token(allow: rules)), exchange)
    }

    func testJSONIdentityIsAcceptedAndRecorded() async throws {
        let (method, attempt, exchange) = try await join(against: .identityJSON)
        let attestation = try await method.attest(attempt, over: exchange)
        XCTAssertEqual(attempt.facts.all, ["aws_account": "123456789012", "aws_arn": "arn:aws:iam::123456789012:user/alice"])
        XCTAssertNil(attestation.hostID)
        XCTAssertEqual(attestation.tokenChange, .none)
        XCTAssertEqual(attempt.facts.all["aws_arn"], "arn:aws:iam::123456789012:user/alice")
    }

    func testResponseOverTheBoundIsRejected() async throws {
        let (method, attempt, exchange) = try await join(against: .huge)
        await attestFails(method, attempt, over: exchange, nil, containing: "larger than the 64 KiB Joinery reads")
        XCTAssertNil(attempt.facts.all["aws_account"])
    }

    func testNon200AnswerPutsItsStatusInTheError() async throws {
        let (method, attempt, exchange) = try await join(against: .forbidden)
        let error = await attestFails(method, attempt, over: exchange,
                                      containing: "aws sts api returned status: \"403 Forbidden\" body: \"InvalidClientTokenId: The security token included in the request is invalid.\"")
        XCTAssertFalse(error?.message.contains("Signature=") ?? true)
    }

    func testUnmatchedIdentityIsStillRecordedForTheAuditEvent() async throws {
        let (method, attempt, exchange) = try await join(against: .identityJSON, rules: [AWSAllowRule(awsAccount: "999999999999")])
        await attestFails(method, attempt, over: exchange,
                          containing: "instance arn:aws:iam::123456789012:user/alice did not match any allow rules")
        XCTAssertEqual(attempt.facts.all, ["aws_account": "123456789012", "aws_arn": "arn:aws:iam::123456789012:user/alice"])
    }

    func testXMLAndJSONAnswersParse() throws {
        let xml = #"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bob</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#
        XCTAssertEqual(try STSCallerIdentityAnswer.parse(Array(xml.utf8)),
                       STSCallerIdentityAnswer(account: "123456789012", arn: "arn:aws:iam::123456789012:user/bob"))
        let json = #"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"1","Arn":"arn:aws:iam::1:user/c"}}}"#
        XCTAssertEqual(try STSCallerIdentityAnswer.parse(Array(json.utf8)).arn, "arn:aws:iam::1:user/c")
        XCTAssertThrowsError(try STSCallerIdentityAnswer.parse(Array(#"{"GetCallerIdentityResponse":{}}"#.utf8)))
        XCTAssertThrowsError(try STSCallerIdentityAnswer.parse(Array("not an answer".utf8)))
    }
}
