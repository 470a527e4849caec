import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// The commit (spec §8.5, end): the patch re-checks, on the freshest stored token, everything
/// the attestation relied on. Each test changes the stored token while the join is between its
/// challenge rounds, as another Auth server or an administrator could.
final class StatusPatchTests: XCTestCase {
    private let refusal = "unexpected backend state; committing updated token state, please try again"

    /// A relaxed-mode token bound to a key in `directory` after one join.
    private func onboarded(limit: Int = 5) async throws -> (BoundKeypairTestCluster, BoundKeypairProver, BoundKeypairTestCluster.Outcome) {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, limit: limit))
        let prover = try cluster.prover(directory: directory)
        return (cluster, prover, try await cluster.join(prover))
    }

    /// Runs a join whose first challenge round also applies `change` to the stored token.
    private func joinWhile(_ cluster: BoundKeypairTestCluster, _ prover: BoundKeypairProver, caller: BotCaller? = nil,
                           _ change: @escaping @Sendable (BoundKeypairTestCluster) throws -> Void) async throws
        -> BoundKeypairTestCluster.Outcome {
        try await cluster.join(prover, caller: caller, interfere: { round, challenge in
            if round == 0 { try change(cluster) }
            return challenge
        })
    }

    func testRecoveryCountChangedMidJoinIsRefused() async throws {
        let (cluster, prover, _) = try await onboarded()
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover) { try $0.editStatus { $0.recoveryCount += 1 } }
        }
        XCTAssertEqual(try cluster.status().recoveryCount, 2)
    }

    func testBoundKeyChangedMidJoinIsRefused() async throws {
        let (cluster, prover, first) = try await onboarded()
        let replacement = try BoundKeypairClientState.createKeypair(in: temporaryDirectory(), suite: "", overwrite: false)
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover, caller: first.caller) {
                try $0.editStatus { $0.boundPublicKey = replacement.publicKey.authorizedKey }
            }
        }
    }

    func testBoundInstanceChangedMidJoinIsRefused() async throws {
        let (cluster, prover, first) = try await onboarded()
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover, caller: first.caller) { try $0.editStatus { $0.boundBotInstanceID = "elsewhere" } }
        }
    }

    func testLastRotationChangedMidJoinIsRefused() async throws {
        let (cluster, prover, first) = try await onboarded()
        let now = cluster.clock.now
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover, caller: first.caller) { try $0.editStatus { $0.lastRotatedAt = now } }
        }
    }

    func testLoweredLimitMidRecoveryIsRefused() async throws {
        let (cluster, prover, _) = try await onboarded(limit: 5)
        let key = try XCTUnwrap(cluster.status().boundPublicKey)
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover) { try $0.createToken(section: Section.make(initialPublicKey: key, limit: 2)) }
        }
    }

    /// Stricter than Teleport, which lets a raised limit through: any change to the spec the
    /// decision read (even a harmless one) voids the join, and the bot simply tries again.
    func testAnySpecChangeMidRecoveryIsRefusedEvenARaisedLimit() async throws {
        let (cluster, prover, _) = try await onboarded(limit: 5)
        let key = try XCTUnwrap(cluster.status().boundPublicKey)
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover) { try $0.createToken(section: Section.make(initialPublicKey: key, limit: 9)) }
        }
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
        _ = try await cluster.join(prover)
        XCTAssertEqual(try cluster.status().recoveryCount, 2, "the retry, on the new spec, succeeds")
    }

    func testRegistrationSecretChangedMidOnboardingIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "first-secret"))
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: "first-secret")
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover) { try $0.editStatus { $0.registrationSecret = "second-secret" } }
        }
        XCTAssertNil(try cluster.status().boundPublicKey)
    }

    func testInitialPublicKeyReplacedMidOnboardingIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let compromised = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        let replacement = try BoundKeypairClientState.createKeypair(in: temporaryDirectory(), suite: "", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: compromised.publicKey.authorizedKey, limit: 5))
        let prover = try cluster.prover(directory: directory)
        await assertFails(.accessDenied, refusal) {
            try await self.joinWhile(cluster, prover) { cluster in
                // The administrator swaps the key; storage preparation leaves an equal, empty status.
                try cluster.createToken(section: Section.make(initialPublicKey: replacement.publicKey.authorizedKey, limit: 5))
            }
        }
        XCTAssertNil(try cluster.status().boundPublicKey, "the compromised key must not be bound")
    }

    func testUnrelatedChangeMidJoinIsCommittedOver() async throws {
        let (cluster, prover, first) = try await onboarded()
        _ = try await joinWhile(cluster, prover, caller: first.caller) { cluster in
            var token = try XCTUnwrap(cluster.token)
            token.metadata.labels = ["team": "platform"]
            cluster.store(token)
        }
        XCTAssertEqual(cluster.token?.metadata.labels, ["team": "platform"])
        XCTAssertEqual(try cluster.status().boundBotInstanceID, first.instanceID)
    }

    func testPatchNeedsABotInstance() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "s"))
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: "s")
        let request = ProofRequest(tokenName: BoundKeypairTestCluster.tokenName, role: .bot, nodeName: "",
                                   keyBinding: BoundKeypairTestCluster.keyBinding)
        let attempt = JoinAttempt(token: try XCTUnwrap(cluster.token), tokenRevision: 1, requestedRole: .bot, nodeName: "",
                                  remoteAddress: "127.0.0.1:1", initialPayload: try await prover.initialPayload(for: request),
                                  startedAt: cluster.clock.now, cluster: cluster.cluster, keyBinding: BoundKeypairTestCluster.keyBinding)
        let attestation = try await cluster.method.attest(attempt, over: LoopbackChallengeExchange(prover: prover, request: request))
        guard case .patch(let patch) = attestation.tokenChange else { return XCTFail("expected a patch") }
        XCTAssertThrowsError(try patch.apply(XCTUnwrap(cluster.token), CommitContext(botInstanceID: nil, now: cluster.clock.now))) {
            XCTAssertEqual(($0 as? JoinError)?.kind, .internalError)
        }
    }
}
