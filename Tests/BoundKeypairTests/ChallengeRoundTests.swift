import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// The challenge round inside a join (spec §8.4, §8.5): the client only ever learns "failed to
/// complete challenge"; the reason goes to the audit facts.
final class ChallengeRoundTests: XCTestCase {
    private var cluster: BoundKeypairTestCluster!
    private var prover: BoundKeypairProver!

    override func setUp() async throws {
        cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey))
        prover = try cluster.prover(directory: directory)
    }

    /// The challenge payload with one claim of its document replaced before the prover signs it.
    private static func editingDocument(_ claim: String, _ value: @escaping @Sendable (Any?) -> Any) -> LoopbackChallengeExchange.ChallengeEdit {
        { _, payload in
            var message = try XCTUnwrap(JSONSerialization.jsonObject(with: payload) as? [String: Any])
            let document = try XCTUnwrap(message["challenge"] as? String)
            var claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
            claims[claim] = value(claims[claim])
            message["challenge"] = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
            return try JSONSerialization.data(withJSONObject: message)
        }
    }

    private func assertChallengeFails(_ reason: String, file: StaticString = #filePath, line: UInt = #line,
                                      interfere: @escaping LoopbackChallengeExchange.ChallengeEdit = { _, c in c },
                                      replace: @escaping LoopbackChallengeExchange.AnswerEdit = { _, _, a in a }) async throws {
        let facts = AttemptFacts()
        let error = await assertFails(.accessDenied, "failed to complete challenge", file: file, line: line) {
            try await self.cluster.join(self.prover, facts: facts, interfere: interfere, replace: replace)
        }
        XCTAssertNotNil(error, file: file, line: line)
        let recorded = facts.all["challenge_failure"] ?? "none"
        XCTAssertTrue(recorded.contains(reason), "\"\(recorded)\" lacks \"\(reason)\"", file: file, line: line)
        XCTAssertNil(try cluster.status().boundPublicKey, file: file, line: line)
    }

    func testValidSolutionBindsTheKey() async throws {
        let outcome = try await cluster.join(prover)
        XCTAssertEqual(outcome.facts["public_key"],
                       try SSHPublicKey(authorizedKey: XCTUnwrap(cluster.status().boundPublicKey)).fingerprint)
    }

    func testTamperedNonceFails() async throws {
        try await assertChallengeFails("invalid nonce", interfere: Self.editingDocument("nonce") { _ in String(repeating: "a", count: 32) })
    }

    func testAlteredIssuedAtFails() async throws {
        try await assertChallengeFails("invalid challenge document",
                                       interfere: Self.editingDocument("iat") { ($0 as? Int ?? 0) - 5 })
    }

    func testAlteredExpiryFails() async throws {
        try await assertChallengeFails("invalid challenge document",
                                       interfere: Self.editingDocument("exp") { ($0 as? Int ?? 0) + 600 })
    }

    func testAnswerAfterTheChallengeExpiredFails() async throws {
        let clock = cluster.clock
        try await assertChallengeFails("expired", replace: { _, _, answer in
            clock.advance(by: 180)
            return answer
        })
    }

    func testSolutionFromAnotherKeyFails() async throws {
        try await assertChallengeFails("signature", replace: { _, challenge, _ in
            let message = try XCTUnwrap(JSONSerialization.jsonObject(with: challenge) as? [String: Any])
            let document = try XCTUnwrap(message["challenge"] as? String)
            let forged = try CompactJWS.sign(payload: Data(document.utf8), with: .ed25519(Curve25519.Signing.PrivateKey()))
            return try JSONSerialization.data(withJSONObject: ["solution": forged])
        })
    }

    func testMalformedSolutionMessageIsABadParameter() async throws {
        do {
            _ = try await cluster.join(prover, replace: { _, _, _ in Data("not json".utf8) })
            XCTFail("expected the join to fail")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.hasPrefix("bound_keypair: the challenge solution is not valid"), error.message)
        }
    }
}
