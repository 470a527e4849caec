import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// `spec.bound_keypair` as `tctl create` checks it (spec §8.1): strict keys, the three recovery
/// modes, key types, bots only, and the section written back normalised.
final class TokenSpecValidationTests: XCTestCase {
    private let methods = JoinMethodSet(methods: [BoundKeypairJoinMethod(clock: ManualClock())])
    private let ed25519Line = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).authorizedKey

    private func validate(_ section: JSONValue?, roles: [SystemRole] = [.bot], botName: String = "robot") async throws -> ProvisionToken {
        try await methods.validate(BoundKeypairTestCluster.token(section: section, roles: roles, botName: botName))
    }

    func testInvalidRecoveryModeIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "invalid recovery mode: paranoid") {
            _ = try await validate(Section.make(mode: "paranoid"))
        }
    }

    func testEachKnownRecoveryModeIsAccepted() async throws {
        for mode in ["standard", "relaxed", "insecure"] {
            let token = try await validate(Section.make(mode: mode))
            XCTAssertEqual(try BoundKeypairTokenSpec(of: token).recovery.mode.rawValue, mode)
        }
    }

    func testEmptyModeMeansStandardAndDefaultsAreWrittenBack() async throws {
        let token = try await validate(Section.make(mode: ""))
        XCTAssertEqual(token.spec.methodSections["bound_keypair"]?["recovery"],
                       .object(["limit": .number(1), "mode": .string("standard")]))
    }

    func testZeroLimitReadsAsTheDefaultOfOne() async throws {
        let token = try await validate(Section.make(limit: 0))
        XCTAssertEqual(try BoundKeypairTokenSpec(of: token).recovery.limit, 1)
    }

    func testNegativeLimitIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "recovery.limit") {
            _ = try await validate(Section.make(limit: -1))
        }
    }

    func testUnknownKeyInOnboardingIsRejected() async {
        let section = JSONValue.object(["onboarding": .object(["initial_public_keys": .string(ed25519Line)])])
        await assertThrowsJoinError(.badParameter, containing: "unknown field \"onboarding.initial_public_keys\"") {
            _ = try await validate(section)
        }
    }

    func testUnknownTopLevelKeyIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "unknown field \"rotate_before\"") {
            _ = try await validate(.object(["rotate_before": .string("2026-01-01T00:00:00Z")]))
        }
    }

    func testRSAInitialPublicKeyIsRejected() async {
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 robot@example"
        await assertThrowsJoinError(.badParameter, containing: "spec.bound_keypair.onboarding.initial_public_key") {
            _ = try await validate(Section.make(initialPublicKey: rsa))
        }
    }

    func testGarbageInitialPublicKeyIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "initial_public_key") {
            _ = try await validate(Section.make(initialPublicKey: "ssh-ed25519 not-base64!!"))
        }
    }

    func testMalformedMustRegisterBeforeIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "must_register_before: \"tomorrow\" is not an RFC 3339 time") {
            _ = try await validate(Section.make(registrationSecret: "s3cret", mustRegisterBefore: "tomorrow"))
        }
    }

    func testMalformedRotateAfterIsRejected() async {
        await assertThrowsJoinError(.badParameter, containing: "rotate_after") {
            _ = try await validate(Section.make(rotateAfter: "2026-13-45"))
        }
    }

    func testMissingBotNameIsRejected() {
        assertThrowsJoinError(.badParameter, containing: "bot_name") {
            _ = try BoundKeypairJoinMethod(clock: ManualClock()).validate(
                BoundKeypairTestCluster.token(section: Section.make(), botName: ""))
        }
    }

    func testABotTokenWithHostRolesOrAHostTokenWithABotNameIsRejected() {
        assertThrowsJoinError(.badParameter, containing: "joins either one bot") {
            _ = try BoundKeypairJoinMethod(clock: ManualClock()).validate(
                BoundKeypairTestCluster.token(section: Section.make(), roles: [.bot, .node]))
        }
        assertThrowsJoinError(.badParameter, containing: "spec.bot_name must be unset") {
            _ = try BoundKeypairJoinMethod(clock: ManualClock()).validate(
                BoundKeypairTestCluster.token(section: Section.make(), roles: [.node]))
        }
    }

    func testValidSectionIsWrittenBackNormalised() async throws {
        let token = try await validate(Section.make(initialPublicKey: ed25519Line + " robot@laptop", limit: 3, mode: "relaxed",
                                              rotateAfter: "2026-02-01T00:00:00.000Z"))
        XCTAssertEqual(token.spec.methodSections["bound_keypair"], .object([
            "onboarding": .object(["initial_public_key": .string(ed25519Line)]),
            "recovery": .object(["limit": .number(3), "mode": .string("relaxed")]),
            "rotate_after": .string("2026-02-01T00:00:00Z"),
        ]))
    }

    func testMissingSectionGetsTheDefaults() async throws {
        let spec = try await BoundKeypairTokenSpec(of: validate(nil))
        XCTAssertEqual(spec, BoundKeypairTokenSpec())
    }

    func testStatusWithUnknownKeyIsRejected() async {
        var token = BoundKeypairTestCluster.token(section: Section.make())
        token.status = ["bound_keypair": .object(["recovery_counter": .number(0)])]
        await assertThrowsJoinError(.badParameter, containing: "unknown field \"recovery_counter\"") {
            _ = try await methods.validate(token)
        }
    }
}
