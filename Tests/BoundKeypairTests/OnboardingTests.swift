import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// The first join (spec §8.5 case 1, scenario 10 of §14): a registration secret lets the bot
/// bind a key it generates; a pre-registered key binds itself; either counts as a recovery.
final class OnboardingTests: XCTestCase {
    private let secret = "0123456789abcdef0123456789abcdef"

    func testCorrectSecretBindsTheClientGeneratedKeyAndClearsTheSecret() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let directory = try temporaryDirectory()
        let outcome = try await cluster.join(cluster.prover(directory: directory, secret: secret))

        XCTAssertEqual(outcome.exchange.challengeTypes, ["rotation", "challenge"])
        let status = try cluster.status()
        XCTAssertNil(status.registrationSecret)
        XCTAssertEqual(status.recoveryCount, 1)
        XCTAssertEqual(status.lastRecoveredAt, cluster.clock.now)
        XCTAssertEqual(status.boundBotInstanceID, outcome.instanceID)
        XCTAssertEqual(outcome.attestation.bot?.instance, .new(previousInstanceID: nil))
        let state = try BoundKeypairClientState.load(directory: directory)
        XCTAssertEqual(state.publicKey?.authorizedKey, status.boundPublicKey)
        XCTAssertEqual(outcome.publicKey, status.boundPublicKey)
        XCTAssertEqual(state.joinState, outcome.joinState)
        XCTAssertEqual(outcome.facts["join_kind"], "registration")
        XCTAssertEqual(outcome.facts["recovery_count"], "1")
    }

    func testMissingSecretIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let directory = try temporaryDirectory()
        try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        let facts = AttemptFacts()
        let prover = try cluster.prover(directory: directory)
        await assertFails(.accessDenied, "a valid registration secret is required") {
            try await cluster.join(prover, facts: facts)
        }
        XCTAssertEqual(facts.all["registration_failure"], "no registration secret was provided")
        XCTAssertEqual(try cluster.status().registrationSecret, secret)
    }

    func testWrongSecretIsRefusedWithoutRevealingIt() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let facts = AttemptFacts(), effects = AttemptEffects()
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: "wrong-secret")
        let error = await assertFails(.accessDenied, "a valid registration secret is required") {
            try await cluster.join(prover, effects: effects, facts: facts)
        }
        XCTAssertEqual(facts.all["registration_failure"], "the registration secret does not match")
        let written = "\(String(describing: error)) \(facts.all) \(effects.events)"
        XCTAssertFalse(written.contains(secret) || written.contains("wrong-secret"), written)
        XCTAssertEqual(effects.events.map(\.type), ["bound_keypair.recovery"])
        XCTAssertEqual(effects.events.first?.success, false)
    }

    func testSecondBotWithAUsedSecretIsToldTheTokenIsTaken() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        _ = try await cluster.join(cluster.prover(directory: temporaryDirectory(), secret: secret))
        let late = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        do {
            _ = try await cluster.join(late)
            XCTFail("a second bot must not join with a used secret")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notFound)
            XCTAssertTrue(error.message.contains("registration secret was already used"), error.message)
            XCTAssertFalse(error.message.contains(secret), error.message)
        }
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
    }

    func testSecretPastMustRegisterBeforeIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        let deadline = RFC3339.format(cluster.clock.now - 1)
        try cluster.createToken(section: Section.make(registrationSecret: secret, mustRegisterBefore: deadline))
        let facts = AttemptFacts()
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        await assertFails(.accessDenied, "a valid registration secret is required") {
            try await cluster.join(prover, facts: facts)
        }
        XCTAssertTrue(facts.all["registration_failure"]?.contains("must_register_before") == true, "\(facts.all)")
    }

    func testSecretBeforeMustRegisterBeforeIsAccepted() async throws {
        let cluster = BoundKeypairTestCluster()
        let deadline = RFC3339.format(cluster.clock.now + 3600)
        try cluster.createToken(section: Section.make(registrationSecret: secret, mustRegisterBefore: deadline))
        _ = try await cluster.join(cluster.prover(directory: temporaryDirectory(), secret: secret))
        XCTAssertNotNil(try cluster.status().boundPublicKey)
    }

    func testPreRegisteredKeyIsBoundAfterOneChallenge() async throws {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey))
        let outcome = try await cluster.join(cluster.prover(directory: directory))

        XCTAssertEqual(outcome.exchange.challengeTypes, ["challenge"])
        XCTAssertEqual(outcome.exchange.challenges.first?["public_key"] as? String, created.publicKey.authorizedKey)
        XCTAssertEqual(try cluster.status().boundPublicKey, created.publicKey.authorizedKey)
        XCTAssertEqual(try cluster.status().recoveryCount, 1)
        XCTAssertEqual(outcome.effects.events.map(\.type), ["bound_keypair.recovery"])
        XCTAssertEqual(outcome.effects.events.first?.fields["recovery_count"], "1")
        XCTAssertEqual(outcome.effects.events.first?.success, true)
    }

    func testFIPSClusterHasTheBotGenerateAP256Key() async throws {
        let cluster = BoundKeypairTestCluster(signatureSuite: "fips-v1")
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let outcome = try await cluster.join(cluster.prover(directory: temporaryDirectory(), secret: secret))
        XCTAssertEqual(try SSHPublicKey(authorizedKey: outcome.publicKey).typeName, "ecdsa-sha2-nistp256")
    }

    func testTokenWithNeitherKeyNorSecretIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make())
        try cluster.editStatus { $0.registrationSecret = nil }
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        await assertFails(.badParameter, "either an initial public key or registration secret is required") {
            try await cluster.join(prover)
        }
    }

    func testOnboardingIsRefusedOnceTheRecoveryLimitIsUsed() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        try cluster.editStatus { $0.recoveryCount = 1 }
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        await assertFails(.accessDenied, "no recovery attempts remaining") { try await cluster.join(prover) }
    }

    func testABotTokenDoesNotJoinAHost() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        await assertFails(.badParameter, "this bound_keypair token does not join the role Node") {
            try await cluster.join(prover, role: .node)
        }
        XCTAssertNil(try cluster.status().boundPublicKey, "nothing is bound")
    }

    func testFirstJoinWithExistingCredentialsIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: secret))
        let prover = try cluster.prover(directory: temporaryDirectory(), secret: secret)
        let caller = BotCaller(botName: BoundKeypairTestCluster.botName, instanceID: "instance-9", generation: 1)
        await assertFails(.badParameter, "cannot perform first bound keypair join with existing credentials") {
            try await cluster.join(prover, caller: caller)
        }
    }

    func testBoundTokenWithoutInstanceIsBadBackendState() async throws {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey))
        try cluster.editStatus { $0.boundPublicKey = created.publicKey.authorizedKey }
        let prover = try cluster.prover(directory: directory)
        await assertFails(.badParameter, "bad backend state, please recreate the join token") { try await cluster.join(prover) }
    }

    func testProverWithoutKeyOrSecretTellsTheOperatorWhatToDo() async throws {
        let cluster = BoundKeypairTestCluster()
        let prover = try cluster.prover(directory: temporaryDirectory())
        do {
            _ = try await prover.initialPayload(for: ProofRequest(tokenName: "t", role: .bot, nodeName: ""))
            XCTFail("expected an error")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("tbot keypair create"), error.message)
            XCTAssertTrue(error.message.contains("registration_secret"), error.message)
        }
    }
}
