import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import XCTest

/// Spec §7.3 steps 2–8: every check that must fail *before* the Auth server connects anywhere.
/// STS is a local listener that counts connections; each rejection must leave it untouched.
final class IAMRequestChecksTests: XCTestCase {
    private var listener: FakeSTS!
    private var method: IAMJoinMethod!
    private let token = IAMHarness.token(allow: [AWSAllowRule(awsAccount: IAMHarness.account)])

    override func setUp() async throws {
        listener = try await FakeSTS(.refuse)
        method = try IAMHarness.method(sts: listener.url)
    }

    override func tearDown() async throws {
        await listener?.stop()
    }

    private func rejects(_ kind: JoinError.Kind = .accessDenied, containing expected: String,
                         file: StaticString = #filePath, line: UInt = #line,
                         answer: @escaping @Sendable (String) throws -> [UInt8]) async {
        let exchange = ScriptedExchange { Data(try answer($0)) }
        await attestFails(method, IAMHarness.attempt(token), over: exchange, kind, containing: expected, file: file, line: line)
        XCTAssertEqual(listener.connections, 0, "a rejected request reached the network", file: file, line: line)
    }

    func testChallengeIsFresh43CharacterUnpaddedBase64() async throws {
        let exchange = ScriptedExchange { _ in Data("garbage".utf8) }
        _ = try? await method.attest(IAMHarness.attempt(token), over: exchange)
        _ = try? await method.attest(IAMHarness.attempt(token), over: exchange)
        let challenges = exchange.challenges
        XCTAssertEqual(challenges.count, 2)
        XCTAssertNotEqual(challenges[0], challenges[1])
        for challenge in challenges {
            XCTAssertEqual(challenge.count, 43)
            XCTAssertFalse(challenge.contains("="))
            XCTAssertEqual(Data(base64Encoded: challenge + "=")?.count, 32)
        }
    }

    func testSolutionReplayedOnANewStreamIsRejected() async throws {
        let first = ScriptedExchange { Data(try IAMHarness.signedRequest(challenge: $0)) }
        _ = try? await method.attest(IAMHarness.attempt(token), over: first)
        let firstChallenge = try XCTUnwrap(first.challenges.first)
        let captured = try IAMHarness.signedRequest(challenge: firstChallenge)
        let connectionsAfterFirst = listener.connections
        let replay = ScriptedExchange { _ in Data(captured) }
        await attestFails(method, IAMHarness.attempt(token), over: replay,
                          containing: "does not include challenge header or it does not match")
        XCTAssertEqual(listener.connections, connectionsAfterFirst, "the replay reached the network")
    }

    func testMissingChallengeHeaderIsRejected() async {
        await rejects(containing: "does not include challenge header or it does not match") {
            var shape = IAMHarness.RequestShape()
            shape.includeChallenge = false
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testWrongChallengeValueIsRejected() async {
        await rejects(containing: "does not include challenge header or it does not match") {
            var shape = IAMHarness.RequestShape()
            shape.challengeOverride = String(repeating: "A", count: 43)
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testUnsignedChallengeHeaderIsRejected() async {
        await rejects(containing: "does not include x-teleport-challenge as a signed header") {
            var shape = IAMHarness.RequestShape()
            shape.signChallenge = false
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testChangedBodyIsRejected() async {
        await rejects(.badParameter, containing: "does not equal expected \"Action=GetCallerIdentity&Version=2011-06-15\"") {
            var shape = IAMHarness.RequestShape()
            shape.body = "Action=AssumeRole&Version=2011-06-15&RoleArn=x"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testGETIsRejected() async {
        await rejects(containing: "method \"GET\" does not match expected method \"POST\"") {
            var shape = IAMHarness.RequestShape()
            shape.method = "GET"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testPathOtherThanRootIsRejected() async {
        await rejects(containing: "unexpected sts identity request URI \"/?Action=GetCallerIdentity\"") {
            var shape = IAMHarness.RequestShape()
            shape.path = "/?Action=GetCallerIdentity"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
        await rejects(containing: "unexpected sts identity request URI \"http://evil.example/\"") {
            var shape = IAMHarness.RequestShape()
            shape.path = "http://evil.example/"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testLookalikeHostIsRejected() async {
        await rejects(containing: "unknown STS host \"sts.amazonaws.com.evil.example\"") {
            var shape = IAMHarness.RequestShape()
            shape.host = "sts.amazonaws.com.evil.example"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testHostWithPortIsRejected() async {
        await rejects(containing: "unknown STS host") {
            var shape = IAMHarness.RequestShape()
            shape.host = "sts.amazonaws.com:8443"
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testDuplicatedHostHeaderIsRejected() async {
        await rejects(.badParameter, containing: "header Host appears more than once") {
            let signed = String(decoding: try IAMHarness.signedRequest(challenge: $0), as: UTF8.self)
            return Array(signed.replacingOccurrences(of: "Host: sts.us-east-1.amazonaws.com\r\n",
                                                     with: "Host: sts.us-east-1.amazonaws.com\r\nHost: evil.example\r\n").utf8)
        }
    }

    func testHostSmuggledByFoldingIsRejected() async {
        await rejects(.badParameter, containing: "obsolete line folding") {
            let signed = String(decoding: try IAMHarness.signedRequest(challenge: $0), as: UTF8.self)
            return Array(signed.replacingOccurrences(of: "Host: sts.us-east-1.amazonaws.com\r\n",
                                                     with: "Host: sts.us-east-1.amazonaws.com\r\n evil.example\r\n").utf8)
        }
    }

    func testRequestSmuggledAfterTheBodyIsRejected() async {
        await rejects(.badParameter, containing: "follow the 43-byte body") {
            try IAMHarness.signedRequest(challenge: $0) + Array("POST / HTTP/1.1\r\nHost: evil.example\r\n\r\n".utf8)
        }
    }

    func testTokenOfAnotherMethodIsRejectedBeforeAnyChallenge() async {
        let other = ProvisionToken(name: "plain", roles: [.node], joinMethod: "token")
        let exchange = ScriptedExchange { _ in XCTFail("challenged"); return Data() }
        await attestFails(method, IAMHarness.attempt(other), over: exchange, containing: "this token does not support the IAM join method")
    }

    func testSignatureAndSessionTokenNeverAppearInErrors() async throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret-key-value-123456",
                                         sessionToken: "session-token-value-abcdef")
        let error = await attestFails(method, IAMHarness.attempt(token), over: ScriptedExchange { challenge in
            var shape = IAMHarness.RequestShape()
            shape.signChallenge = false
            return Data(try IAMHarness.signedRequest(challenge: challenge, shape, credentials: credentials))
        }, containing: "signed header")
        XCTAssertFalse(error?.message.contains("session-token-value") ?? true)
        XCTAssertFalse(error?.message.contains("Signature=") ?? true)
    }
}
