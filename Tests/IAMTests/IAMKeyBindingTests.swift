import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import Server
import TestSupport
import XCTest

/// The IAM proof is bound to the keys the join certifies (issue 15, item 7): the node signs the
/// ``KeyBinding`` of its own keys into its GetCallerIdentity request (`X-Joinery-Key-Binding`),
/// and the Auth server requires it to equal the binding of the keys in the `ClientInit` it got.
/// A relay that swaps the keys gets no certificate; one that also rewrites the header breaks
/// the SigV4 signature, which moto (checking signatures, as AWS does) then refuses.
final class IAMKeyBindingTests: XCTestCase {
    private var moto: MotoServer!
    private var pipeline: IAMPipeline!
    private var userKeys: AWSCredentials!

    override func setUp() async throws {
        moto = try await MotoServer(checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount)
        let keys = try moto.createIAMUser(named: "iam-joiner")
        userKeys = AWSCredentials(accessKeyID: keys.accessKeyID, secretAccessKey: keys.secretAccessKey)
        pipeline = try await IAMPipeline(sts: moto.url)
        try await pipeline.create(IAMHarness.token(allow: [AWSAllowRule(awsAccount: "123456789012")]))
    }

    override func tearDown() async throws {
        await pipeline?.stop()
        await moto?.stop()
    }

    /// The node's own prover, told the binding of the keys it generated (`IAMHarness.keys`).
    private func nodeAnswer() throws -> @Sendable (Data) async throws -> Data {
        let prover = try IAMHarness.prover(credentials: userKeys)
        return { try await prover.answer($0, for: IAMHarness.keys.proof(token: "iam-fleet", role: .node, nodeName: "iam-node")) }
    }

    private func lastEvent() async throws -> AuditEvent {
        let events = try await pipeline.auditEvents()
        return try XCTUnwrap(events.last)
    }

    func testNodeWhoseKeysArriveUnchangedJoins() async throws {
        let (result, _) = await pipeline.join(token: "iam-fleet", keys: IAMHarness.keys, answer: try nodeAnswer())
        let event = try await lastEvent()
        XCTAssertNotNil(result, event.reason ?? "")
        XCTAssertTrue(event.success)
    }

    func testRelayThatSwapsTheKeysInClientInitGetsNoCertificate() async throws {
        let relayKeys = JoinTestKeys()
        let (result, sent) = await pipeline.join(token: "iam-fleet", keys: relayKeys, answer: try nodeAnswer())
        XCTAssertNil(result, "the relay's keys were certified")
        XCTAssertFalse(sent.contains { if case .result? = $0.payload { true } else { false } })
        let event = try await lastEvent()
        XCTAssertFalse(event.success)
        let reason = event.reason ?? ""
        XCTAssertTrue(reason.contains("signed for other public keys than the ones this join asks to certify"), reason)
        XCTAssertTrue(reason.contains("replaced the keys in ClientInit"), reason)
        // Refused before the Auth server asked STS anything: no verified identity on record.
        XCTAssertNil(event.attributes["aws_arn"])
    }

    func testRelayThatAlsoRewritesTheSignedBindingHeaderIsRefusedBySTS() async throws {
        let relayKeys = JoinTestKeys()
        let answer = try nodeAnswer()
        let (result, _) = await pipeline.join(token: "iam-fleet", keys: relayKeys) { challenge in
            let signed = String(decoding: try await answer(challenge), as: UTF8.self)
            let rewritten = signed.replacingOccurrences(of: IAMHarness.keys.binding.text, with: relayKeys.binding.text)
            XCTAssertNotEqual(rewritten, signed, "the relay found no binding header to rewrite")
            return Data(rewritten.utf8)
        }
        XCTAssertNil(result, "the relay's keys were certified")
        let event = try await lastEvent()
        XCTAssertFalse(event.success)
        let reason = event.reason ?? ""
        XCTAssertTrue(reason.contains("SignatureDoesNotMatch"), reason)
        XCTAssertNil(event.attributes["aws_arn"])
    }
}

/// The binding header's checks, made before the Auth server connects anywhere.
final class IAMKeyBindingHeaderTests: XCTestCase {
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

    private func rejects(_ kind: JoinError.Kind = .accessDenied, containing expected: String, attempt: JoinAttempt? = nil,
                         file: StaticString = #filePath, line: UInt = #line,
                         answer: @escaping @Sendable (String) throws -> [UInt8]) async {
        let exchange = ScriptedExchange { Data(try answer($0)) }
        await attestFails(method, attempt ?? IAMHarness.attempt(token), over: exchange, kind, containing: expected, file: file, line: line)
        XCTAssertEqual(listener.connections, 0, "a rejected request reached the network", file: file, line: line)
    }

    func testRequestWithoutTheBindingHeaderIsRefused() async {
        await rejects(containing: "has no x-joinery-key-binding header") {
            var shape = IAMHarness.RequestShape()
            shape.keyBinding = nil
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testBindingHeaderLeftOutOfTheSignatureIsRefused() async {
        await rejects(containing: "does not include x-joinery-key-binding as a signed header") { challenge in
            var shape = IAMHarness.RequestShape()
            shape.keyBinding = nil
            let signed = String(decoding: try IAMHarness.signedRequest(challenge: challenge, shape), as: UTF8.self)
            // Added after signing, as a relay would add it.
            let added = signed.replacingOccurrences(
                of: "\r\n\r\n", with: "\r\nX-Joinery-Key-Binding: \(IAMHarness.keys.binding.text)\r\n\r\n")
            return Array(added.utf8)
        }
    }

    func testBindingOfOtherKeysIsRefused() async {
        await rejects(containing: "signed for other public keys") {
            var shape = IAMHarness.RequestShape()
            shape.keyBinding = JoinTestKeys().binding
            return try IAMHarness.signedRequest(challenge: $0, shape)
        }
    }

    func testProverRefusesToSignWithoutABinding() async throws {
        let prover = try IAMHarness.prover(credentials: IAMHarness.testCredentials)
        do {
            _ = try await prover.answer(Data(String(repeating: "A", count: 43).utf8),
                                        for: ProofRequest(tokenName: "iam-fleet", role: .node, nodeName: "iam-node"))
            XCTFail("the prover signed a request bound to no keys")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("no key binding"), error.message)
        }
    }
}
