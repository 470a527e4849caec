import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// What `tctl create` stores in `status.bound_keypair`: the onboarding secret (spec §8.2) and,
/// when the same token is applied again, the binding it already had (§1.6).
final class RegistrationSecretStorageTests: XCTestCase {
    private let keyLine = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).authorizedKey

    /// Stores a token with `keyLine` pre-registered, as it is after its first join.
    private func bind(_ cluster: BoundKeypairTestCluster) throws {
        try cluster.createToken(section: Section.make(initialPublicKey: keyLine))
        try cluster.editStatus {
            $0.boundPublicKey = keyLine
            $0.boundBotInstanceID = "instance-1"
            $0.recoveryCount = 1
        }
    }

    func testSecretIsGeneratedWhenNoCredentialIsGiven() throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make())
        let secret = try XCTUnwrap(cluster.status().registrationSecret)
        XCTAssertEqual(secret.count, 32)
        XCTAssertTrue(secret.allSatisfy { $0.isHexDigit && !$0.isUppercase }, secret)
    }

    func testEachTokenGetsItsOwnGeneratedSecret() throws {
        let first = BoundKeypairTestCluster(), second = BoundKeypairTestCluster()
        try first.createToken(section: Section.make())
        try second.createToken(section: Section.make())
        XCTAssertNotEqual(try first.status().registrationSecret, try second.status().registrationSecret)
    }

    func testSpecSecretIsCopiedToStatus() throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "operator-chosen"))
        XCTAssertEqual(try cluster.status().registrationSecret, "operator-chosen")
    }

    func testInitialPublicKeyMeansNoSecret() throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(initialPublicKey: keyLine))
        XCTAssertNil(try cluster.status().registrationSecret)
        XCTAssertEqual(try cluster.status().recoveryCount, 0)
    }

    func testReappliedUnboundTokenKeepsItsGeneratedSecret() throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make())
        let first = try cluster.status().registrationSecret
        try cluster.createToken(section: Section.make())
        XCTAssertEqual(try cluster.status().registrationSecret, first)
    }

    func testReappliedBoundTokenKeepsItsBinding() throws {
        let cluster = BoundKeypairTestCluster()
        try bind(cluster)
        let bound = try cluster.status()
        try cluster.createToken(section: Section.make(initialPublicKey: keyLine, limit: 5))
        XCTAssertEqual(try cluster.status(), bound)
        XCTAssertEqual(try BoundKeypairTokenSpec(of: XCTUnwrap(cluster.token)).recovery.limit, 5)
    }

    func testChangedOnboardingKeyStartsOver() throws {
        let cluster = BoundKeypairTestCluster()
        try bind(cluster)
        let otherKey = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).authorizedKey
        try cluster.createToken(section: Section.make(initialPublicKey: otherKey))
        XCTAssertEqual(try cluster.status(), BoundKeypairStatus())
    }

    func testChangedRegistrationSecretReplacesTheStoredOne() throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "first"))
        try cluster.createToken(section: Section.make(registrationSecret: "second"))
        XCTAssertEqual(try cluster.status().registrationSecret, "second")
    }

    func testTokenForAnotherBotStartsOver() throws {
        let method = BoundKeypairJoinMethod(clock: ManualClock())
        var existing = BoundKeypairTestCluster.token(section: Section.make(initialPublicKey: keyLine))
        existing = BoundKeypairStatus(boundPublicKey: keyLine, boundBotInstanceID: "i-1", recoveryCount: 1).stored(in: existing)
        let replacement = BoundKeypairTestCluster.token(section: Section.make(initialPublicKey: keyLine), botName: "other-bot")
        let prepared = try method.prepareForStorage(replacement, replacing: existing)
        XCTAssertEqual(try BoundKeypairStatus(of: prepared), BoundKeypairStatus())
    }

    func testExplicitStatusOverridesTheStoredOne() throws {
        let cluster = BoundKeypairTestCluster()
        try bind(cluster)
        // An administrator resets the recovery counter by applying a status.
        var reset = try cluster.status()
        reset.recoveryCount = 0
        let method = cluster.method
        let applied = reset.stored(in: BoundKeypairTestCluster.token(section: Section.make(initialPublicKey: keyLine)))
        let prepared = try method.prepareForStorage(method.validate(applied), replacing: cluster.token)
        XCTAssertEqual(try BoundKeypairStatus(of: prepared).recoveryCount, 0)
        XCTAssertEqual(try BoundKeypairStatus(of: prepared).boundBotInstanceID, "instance-1")
    }
}
