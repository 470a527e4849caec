import Foundation
import JoinCore
import Logging

/// The challenge rounds of one attempt (spec §8.3, §8.4): ask the client to prove a key, or to
/// generate a new key and prove that. A failed proof is recorded in the audit facts with its
/// reason; the client only learns "failed to complete challenge".
struct KeyProofRounds: Sendable {
    let exchange: any ChallengeExchange
    let cluster: ClusterServices
    let clock: any JoinClock
    let facts: AttemptFacts
    let logger: Logger
    /// The binding of the keys in this join's `ClientInit`, signed into every challenge.
    let keyBinding: KeyBinding

    /// One challenge for `key`; returns when the client signed it correctly.
    func prove(_ key: SSHPublicKey) async throws {
        let challenge = try KeyChallenge(key: JWSPublicKey(key), clusterName: cluster.clusterName, keyBinding: keyBinding,
                                         now: clock.now)
        let reply = try await exchange.challenge(BoundKeypairMessages.encode(
            BoundKeypairMessages.ServerChallenge.challenge(publicKey: key.authorizedKey, challenge: challenge.document)))
        let solution = try BoundKeypairMessages.decode(BoundKeypairMessages.Solution.self, from: reply,
                                                       what: "challenge solution")
        do {
            try await challenge.validate(solution.solution, now: clock.now)
        } catch let failure as KeyChallenge.Failure {
            facts.record("challenge_failure", failure.reason)
            logger.info("bound_keypair: challenge for key \(key.fingerprint) failed: \(failure.reason)")
            throw failure.keysReplaced ? BoundKeypairErrors.keyBindingMismatch : BoundKeypairErrors.challengeFailed
        }
        facts.record("public_key", key.fingerprint)
    }

    /// Asks the client for a new key under the cluster's signature suite, refuses `current`
    /// again, and has the client prove the new key.
    func newKey(replacing current: SSHPublicKey?) async throws -> SSHPublicKey {
        let reply = try await exchange.challenge(BoundKeypairMessages.encode(
            BoundKeypairMessages.ServerChallenge.rotation(suite: cluster.signatureSuite)))
        let response = try BoundKeypairMessages.decode(BoundKeypairMessages.RotationResponse.self, from: reply,
                                                       what: "rotation response")
        try BoundKeypairMessages.bound(response.publicKey, BoundKeypairMessages.maximumPublicKeyLength, "public_key")
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(authorizedKey: response.publicKey)
        } catch let error as JoinError {
            throw JoinError.badParameter("bound_keypair: the client's new public key: \(error.message)")
        }
        if let current, key == current { throw BoundKeypairErrors.keyReused }
        try await prove(key)
        return key
    }
}
