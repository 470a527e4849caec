import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// `rotate_after` (spec §8.5, end; scenario 10 of §14): the first join at or after that time
/// rotates the bot's key once; the old key cannot come back as the "new" one.
final class RotationTests: XCTestCase {
    private func onboardedCluster(rotateAfter: String? = nil) async throws
        -> (BoundKeypairTestCluster, URL, BoundKeypairTestCluster.Outcome) {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, mode: "relaxed",
                                                      rotateAfter: rotateAfter))
        let first = try await cluster.join(cluster.prover(directory: directory))
        return (cluster, directory, first)
    }

    func testRotateAfterInThePastRotatesOnceThenStops() async throws {
        let (cluster, directory, first) = try await onboardedCluster()
        let original = try XCTUnwrap(cluster.status().boundPublicKey)
        try cluster.createToken(section: Section.make(initialPublicKey: original, mode: "relaxed",
                                                      rotateAfter: RFC3339.format(cluster.clock.now)))
        cluster.clock.advance(by: 60)

        let rotated = try await cluster.join(cluster.prover(directory: directory), caller: first.caller)
        XCTAssertEqual(rotated.exchange.challengeTypes, ["challenge", "rotation", "challenge"])
        XCTAssertEqual(rotated.exchange.challenges[1]["signature_algorithm_suite"] as? String, "balanced-v1")
        let status = try cluster.status()
        XCTAssertNotEqual(status.boundPublicKey, original)
        XCTAssertEqual(status.lastRotatedAt, cluster.clock.now)
        XCTAssertEqual(rotated.facts["rotated"], "yes")
        XCTAssertEqual(try BoundKeypairClientState.load(directory: directory).publicKey?.authorizedKey, status.boundPublicKey)
        let rotation = try XCTUnwrap(rotated.effects.events.first { $0.type == "bound_keypair.rotation" })
        XCTAssertTrue(rotation.success)
        XCTAssertEqual(rotation.fields["public_key"], try SSHPublicKey(authorizedKey: XCTUnwrap(status.boundPublicKey)).fingerprint)

        cluster.clock.advance(by: 60)
        let again = try await cluster.join(cluster.prover(directory: directory), caller: rotated.caller)
        XCTAssertEqual(again.exchange.challengeTypes, ["challenge"])
        XCTAssertEqual(try cluster.status().boundPublicKey, status.boundPublicKey)
    }

    func testRotateAfterInTheFutureDoesNothing() async throws {
        let (cluster, _, first) = try await onboardedCluster(rotateAfter: "2099-01-01T00:00:00Z")
        XCTAssertEqual(first.exchange.challengeTypes, ["challenge"])
        XCTAssertNil(try cluster.status().lastRotatedAt)
    }

    func testReusingTheOldKeyAfterRotationIsRejected() async throws {
        let (cluster, directory, first) = try await onboardedCluster()
        let original = try XCTUnwrap(cluster.status().boundPublicKey)
        try cluster.createToken(section: Section.make(initialPublicKey: original, mode: "relaxed",
                                                      rotateAfter: RFC3339.format(cluster.clock.now)))
        let effects = AttemptEffects()
        let prover = try cluster.prover(directory: directory)
        await assertFails(.badParameter, "public key may not be reused after rotation") {
            try await cluster.join(prover, caller: first.caller, effects: effects, replace: { round, _, answer in
                // The client answers the rotation request with the key it already has.
                round == 1 ? Data("{\"public_key\":\"\(original)\"}".utf8) : answer
            })
        }
        XCTAssertEqual(try cluster.status().boundPublicKey, original)
        XCTAssertEqual(effects.events.map(\.type), ["bound_keypair.rotation"])
        XCTAssertEqual(effects.events.first?.success, false)
    }

    func testKeyGeneratedForRotationIsKeptBeforeTheJoinFinishes() async throws {
        let (cluster, directory, first) = try await onboardedCluster()
        let original = try XCTUnwrap(cluster.status().boundPublicKey)
        try cluster.createToken(section: Section.make(initialPublicKey: original, mode: "relaxed",
                                                      rotateAfter: RFC3339.format(cluster.clock.now)))
        let prover = try cluster.prover(directory: directory)
        // The connection drops after the new key's challenge was answered, before any result.
        _ = try? await cluster.join(prover, caller: first.caller, replace: { round, _, answer in
            if round == 2 { throw JoinError.unavailable("connection lost") }
            return answer
        })
        let history = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("bkp_key_history.json"))) as? [String: Any]
        XCTAssertEqual((history?["entries"] as? [Any])?.count, 2)
        XCTAssertEqual(try BoundKeypairClientState.load(directory: directory).publicKey?.authorizedKey, original)
    }
}
