@testable import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// The `key_binding` claim of a bound-keypair challenge, on each half alone: the server issues
/// and requires the binding of the keys in ClientInit; the prover signs only a challenge that
/// names the binding of its own keys.
final class KeyBindingChallengeTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_767_225_600)
    private let privateKey = JWSPrivateKey.ed25519(Curve25519.Signing.PrivateKey())
    private let binding = BoundKeypairTestCluster.keyBinding
    private let otherBinding = KeyBinding(sshPublicKey: Data("relay ssh key".utf8), tlsPublicKey: Data("relay tls key".utf8))

    private func issue() throws -> KeyChallenge {
        try KeyChallenge(key: privateKey.publicKey, clusterName: BoundKeypairTestCluster.clusterName, keyBinding: binding, now: now)
    }

    private func claims(of document: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
    }

    /// `document` with `key_binding` set to `value` (or removed, for `nil`).
    private func rebound(_ document: String, to value: String?) throws -> String {
        var edited = try claims(of: document)
        edited["key_binding"] = value
        return String(decoding: try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys]), as: UTF8.self)
    }

    func testChallengeNamesTheBindingOfTheKeysInClientInit() throws {
        XCTAssertEqual(try claims(of: issue().document)["key_binding"] as? String, binding.text)
    }

    func testSignatureOverAnotherBindingIsRefusedAsReplacedKeys() async throws {
        let issued = try issue()
        let solution = try CompactJWS.sign(payload: Data(try rebound(issued.document, to: otherBinding.text).utf8), with: privateKey)
        do {
            try await issued.validate(solution, now: now)
            XCTFail("a signature over another key binding was accepted")
        } catch let failure as KeyChallenge.Failure {
            XCTAssertTrue(failure.keysReplaced)
            XCTAssertTrue(failure.reason.contains("the keys in ClientInit were replaced"), failure.reason)
        }
    }

    func testSignatureOverADocumentWithoutABindingIsRefused() async throws {
        let issued = try issue()
        let solution = try CompactJWS.sign(payload: Data(try rebound(issued.document, to: nil).utf8), with: privateKey)
        do {
            try await issued.validate(solution, now: now)
            XCTFail("a signature over a document without a key binding was accepted")
        } catch let failure as KeyChallenge.Failure {
            XCTAssertTrue(failure.keysReplaced)
        }
    }

    /// A prover holding `privateKey` as its active key, in a fresh directory.
    private func proverHoldingTheKey() async throws -> (BoundKeypairProver, JWSPublicKey) {
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        let prover = try BoundKeypairProver(context: ProverContext(dataDirectory: directory))
        _ = try await prover.initialPayload(for: ProofRequest(tokenName: "t", role: .bot, nodeName: "", keyBinding: binding))
        return (prover, try JWSPublicKey(created.publicKey))
    }

    private func serverChallenge(for key: JWSPublicKey, keyBinding: KeyBinding) throws -> Data {
        let issued = try KeyChallenge(key: key, clusterName: BoundKeypairTestCluster.clusterName, keyBinding: keyBinding, now: now)
        return try BoundKeypairMessages.encode(
            BoundKeypairMessages.ServerChallenge.challenge(publicKey: key.ssh.authorizedKey, challenge: issued.document))
    }

    func testProverSignsAChallengeNamingItsOwnBinding() async throws {
        let (prover, key) = try await proverHoldingTheKey()
        let answer = try await prover.answer(try serverChallenge(for: key, keyBinding: binding),
                                             for: ProofRequest(tokenName: "t", role: .bot, nodeName: "", keyBinding: binding))
        let solution = try BoundKeypairMessages.decode(BoundKeypairMessages.Solution.self, from: answer, what: "solution")
        XCTAssertFalse(solution.solution.isEmpty)
    }

    func testProverRefusesAChallengeNamingAnotherBinding() async throws {
        let (prover, key) = try await proverHoldingTheKey()
        do {
            _ = try await prover.answer(try serverChallenge(for: key, keyBinding: otherBinding),
                                        for: ProofRequest(tokenName: "t", role: .bot, nodeName: "", keyBinding: binding))
            XCTFail("the prover signed a challenge bound to other keys")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("refusing to sign it"), error.message)
        }
    }
}
