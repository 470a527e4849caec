import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// Re-joins and recoveries (spec §8.5 cases 4 and 5; scenario 10 of §14): a bot with a current
/// identity continues its instance for free; one without recovers into a new instance, which
/// `standard` mode counts against the limit and `relaxed` does not.
final class RecoveryTests: XCTestCase {
    private var directory: URL!

    private func onboarded(limit: Int? = nil, mode: String) async throws
        -> (BoundKeypairTestCluster, BoundKeypairProver, BoundKeypairTestCluster.Outcome) {
        let cluster = BoundKeypairTestCluster()
        directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, limit: limit, mode: mode))
        let prover = try cluster.prover(directory: directory)
        let first = try await cluster.join(prover)
        cluster.clock.advance(by: 600)
        return (cluster, prover, first)
    }

    /// The bot keeps its keypair but loses `bkp_state` (a restored backup of part of its storage).
    private func loseJoinState() throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("bkp_state"))
        XCTAssertNil(try BoundKeypairClientState.load(directory: directory).joinState)
    }

    func testStandardModeRefusesRecoveryOnceCountReachesLimit() async throws {
        let (cluster, prover, _) = try await onboarded(mode: "standard")
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
        let effects = AttemptEffects()
        await assertFails(.accessDenied, "no rejoins remaining") { try await cluster.join(prover, effects: effects) }
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
        XCTAssertEqual(effects.events.map(\.type), ["bound_keypair.recovery"])
        XCTAssertEqual(effects.events.first?.success, false)
        XCTAssertEqual(effects.events.first?.fields["recovery_mode"], "standard")
    }

    func testStandardModeAllowsRecoveryBelowTheLimit() async throws {
        let (cluster, prover, first) = try await onboarded(limit: 2, mode: "standard")
        let recovered = try await cluster.join(prover)
        XCTAssertEqual(try cluster.status().recoveryCount, 2)
        XCTAssertEqual(recovered.attestation.bot?.instance, .new(previousInstanceID: first.instanceID))
    }

    func testRelaxedModeAllowsRecoveryPastTheLimit() async throws {
        let (cluster, prover, first) = try await onboarded(mode: "relaxed")
        let recovered = try await cluster.join(prover)
        let status = try cluster.status()
        XCTAssertEqual(status.recoveryCount, 2)
        XCTAssertEqual(status.lastRecoveredAt, cluster.clock.now)
        XCTAssertEqual(recovered.attestation.bot?.instance, .new(previousInstanceID: first.instanceID))
        XCTAssertEqual(status.boundBotInstanceID, recovered.instanceID)
        XCTAssertNotEqual(recovered.instanceID, first.instanceID)
        XCTAssertEqual(recovered.effects.events.first { $0.type == "bound_keypair.recovery" }?.fields["recovery_count"], "2")
    }

    func testRecoveryWithoutJoinStateIsRefusedWithoutALock() async throws {
        let (cluster, prover, _) = try await onboarded(mode: "relaxed")
        try loseJoinState()
        let effects = AttemptEffects()
        await assertFails(.accessDenied, "previous join state is required but was not provided") {
            try await cluster.join(prover, effects: effects)
        }
        XCTAssertTrue(effects.locks.isEmpty)
    }

    func testInsecureModeNeedsNoJoinState() async throws {
        let (cluster, prover, _) = try await onboarded(mode: "insecure")
        try loseJoinState()
        _ = try await cluster.join(prover)
        XCTAssertEqual(try cluster.status().recoveryCount, 2)
    }

    func testRejoinWithCurrentIdentityKeepsTheInstanceAndCountsNothing() async throws {
        let (cluster, prover, first) = try await onboarded(mode: "standard")
        let rejoined = try await cluster.join(prover, caller: first.caller)
        XCTAssertEqual(rejoined.attestation.bot?.instance, .continueCaller(lockOnMismatch: .joinToken(BoundKeypairTestCluster.tokenName)))
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
        XCTAssertEqual(try cluster.status().boundBotInstanceID, first.instanceID)
        XCTAssertTrue(rejoined.effects.events.isEmpty)
        XCTAssertNotEqual(rejoined.joinState, first.joinState)
        XCTAssertEqual(rejoined.facts["join_kind"], "rejoin")
    }

    func testRejoinWithAnotherInstancesIdentityIsRefused() async throws {
        let (cluster, prover, _) = try await onboarded(mode: "standard")
        let stranger = BotCaller(botName: BoundKeypairTestCluster.botName, instanceID: "another-instance", generation: 1)
        await assertFails(.accessDenied, "bot instance mismatch") { try await cluster.join(prover, caller: stranger) }
    }

    func testIdentityOfAnotherBotIsRefused() async throws {
        let (cluster, prover, first) = try await onboarded(mode: "standard")
        let other = BotCaller(botName: "other-bot", instanceID: first.instanceID, generation: 1)
        await assertFails(.accessDenied, "the presented bot identity belongs to another bot, not robot") {
            try await cluster.join(prover, caller: other)
        }
    }
}
