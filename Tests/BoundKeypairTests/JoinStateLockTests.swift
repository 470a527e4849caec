import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// A copied keypair (spec §8.6): after a good challenge, a join state that does not verify means
/// the key is in two places, so the token is locked and the event says why. Before a good
/// challenge nothing is locked, so strangers cannot lock tokens.
final class JoinStateLockTests: XCTestCase {
    /// A bot onboarded in relaxed mode, plus a byte-for-byte copy of its storage taken then.
    private func botAndClone() async throws -> (BoundKeypairTestCluster, original: BoundKeypairProver, clone: BoundKeypairProver) {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, mode: "relaxed"))
        let original = try cluster.prover(directory: directory)
        _ = try await cluster.join(original)

        let copy = try temporaryDirectory().appendingPathComponent("stolen")
        try FileManager.default.copyItem(at: directory, to: copy)
        return (cluster, original, try cluster.prover(directory: copy))
    }

    func testStaleJoinStateAfterGoodChallengeLocksTheToken() async throws {
        let (cluster, original, clone) = try await botAndClone()
        cluster.clock.advance(by: 3600)
        _ = try await cluster.join(original)  // The real bot recovers: the counter moves to 2.

        let effects = AttemptEffects(), facts = AttemptFacts()
        await assertFails(.accessDenied, "join state verification failed") {
            try await cluster.join(clone, effects: effects, facts: facts)
        }
        XCTAssertEqual(effects.locks.map(\.target), [.joinToken(BoundKeypairTestCluster.tokenName)])
        XCTAssertTrue(effects.locks.first?.message.contains("stolen keypair") == true)
        let event = try XCTUnwrap(effects.events.first { $0.type == "bound_keypair.join_state_verification_failed" })
        XCTAssertEqual(event.code, "TBK003W")
        XCTAssertFalse(event.success)
        XCTAssertEqual(event.fields["token_name"], BoundKeypairTestCluster.tokenName)
        XCTAssertEqual(event.fields["bot_name"], BoundKeypairTestCluster.botName)
        XCTAssertEqual(event.fields["reason"], "recovery counter mismatch")
        XCTAssertEqual(facts.all["join_state_failure"], "recovery counter mismatch")
        XCTAssertEqual(try cluster.status().recoveryCount, 2)
    }

    func testJoinStateFromAnotherCAAfterGoodChallengeLocksTheToken() async throws {
        let (cluster, original, _) = try await botAndClone()
        // Someone with the key but not the state forges one with their own signing key.
        let forger = BoundKeypairTestCluster(jwt: .generate(clusterName: BoundKeypairTestCluster.clusterName))
        let forged = try forger.jwt.sign(claims: Data("""
            {"aud":["\(BoundKeypairTestCluster.clusterName)"],"bot_instance_id":"\(try XCTUnwrap(cluster.status().boundBotInstanceID))",\
            "iss":"\(BoundKeypairTestCluster.clusterName)","recovery_sequence":1,"sub":"\(BoundKeypairTestCluster.botName)"}
            """.utf8))
        try Data(forged.utf8).write(to: original.directory.appendingPathComponent("bkp_state"))

        let effects = AttemptEffects(), facts = AttemptFacts()
        await assertFails(.accessDenied, "join state verification failed") {
            try await cluster.join(original, effects: effects, facts: facts)
        }
        XCTAssertEqual(effects.locks.map(\.target), [.joinToken(BoundKeypairTestCluster.tokenName)])
        XCTAssertTrue(facts.all["join_state_failure"]?.contains("could not be verified") == true, "\(facts.all)")
    }

    func testFailedChallengeNeverLocks() async throws {
        let (cluster, original, clone) = try await botAndClone()
        cluster.clock.advance(by: 3600)
        _ = try await cluster.join(original)

        let effects = AttemptEffects(), facts = AttemptFacts()
        await assertFails(.accessDenied, "failed to complete challenge") {
            try await cluster.join(clone, effects: effects, facts: facts, replace: { _, _, _ in
                Data("{\"solution\":\"e30.e30.AAAA\"}".utf8)
            })
        }
        XCTAssertTrue(effects.locks.isEmpty)
        XCTAssertFalse(effects.events.contains { $0.type == "bound_keypair.join_state_verification_failed" })
        XCTAssertNotNil(facts.all["challenge_failure"])
    }
}
