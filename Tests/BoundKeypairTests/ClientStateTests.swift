@testable import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// The bot's files (spec §8.8): private (0600 in a 0700 directory), a bounded key history that
/// lets the bot prove an older key after a cluster rollback, and `tbot keypair create`.
final class ClientStateTests: XCTestCase {
    private func mode(_ url: URL) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    func testFilesAfterAJoinArePrivate() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "s3cret"))
        let directory = try temporaryDirectory()
        _ = try await cluster.join(cluster.prover(directory: directory, secret: "s3cret"))
        for name in ["id_bkp", "id_bkp.pub", "bkp_state", "bkp_key_history.json"] {
            XCTAssertEqual(try mode(directory.appendingPathComponent(name)), 0o600, name)
        }
        XCTAssertEqual(try mode(directory), 0o700)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testKeyFilesHoldPEMAndAuthorizedKeysLine() throws {
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        let pem = try String(contentsOf: directory.appendingPathComponent("id_bkp"), encoding: .utf8)
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertEqual(try JWSPrivateKey(pem: pem).publicKey.ssh, created.publicKey)
        let line = try String(contentsOf: directory.appendingPathComponent("id_bkp.pub"), encoding: .utf8)
        XCTAssertEqual(try SSHPublicKey(authorizedKey: line), created.publicKey)
    }

    func testHistoryKeepsTheTenNewestKeysNewestFirst() throws {
        let directory = try temporaryDirectory()
        var state = try BoundKeypairClientState.load(directory: directory)
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let keys = (0..<12).map { _ in JWSPrivateKey.ed25519(Curve25519.Signing.PrivateKey()) }
        for (index, key) in keys.enumerated() {
            try state.remember(generated: key, at: start + Double(index))
        }
        let reloaded = try BoundKeypairClientState.load(directory: directory)
        XCTAssertEqual(reloaded.history.entries.count, 10)
        XCTAssertEqual(reloaded.history.entries.map(\.key.publicKey), keys.reversed().prefix(10).map(\.publicKey))
        XCTAssertEqual(reloaded.history.entries.first?.time, start + 11)
        XCTAssertNil(reloaded.privateKey(for: keys[0].publicKey))
        XCTAssertNotNil(reloaded.privateKey(for: keys[2].publicKey))
    }

    func testCreateKeypairKeepsAnExistingKeyUnlessOverwriting() throws {
        let directory = try temporaryDirectory()
        let first = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        XCTAssertTrue(first.created)
        let again = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        XCTAssertFalse(again.created)
        XCTAssertEqual(again.publicKey, first.publicKey)
        let replaced = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: true)
        XCTAssertTrue(replaced.created)
        XCTAssertNotEqual(replaced.publicKey, first.publicKey)
        let state = try BoundKeypairClientState.load(directory: directory)
        XCTAssertEqual(state.publicKey, replaced.publicKey)
        XCTAssertNotNil(state.privateKey(for: try JWSPublicKey(first.publicKey)), "the replaced key stays in the history")
    }

    func testKeyTypeFollowsTheSignatureSuite() throws {
        for (suite, type) in [("balanced-v1", "ssh-ed25519"), ("", "ssh-ed25519"), ("fips-v1", "ecdsa-sha2-nistp256"),
                              ("hsm-v1", "ecdsa-sha2-nistp256")] {
            let created = try BoundKeypairClientState.createKeypair(in: temporaryDirectory(), suite: suite, overwrite: false)
            XCTAssertEqual(created.publicKey.typeName, type, suite)
        }
        assertThrowsJoinError(.badParameter, containing: "unsupported signature algorithm suite") {
            _ = try BoundKeypairClientState.createKeypair(in: temporaryDirectory(), suite: "quantum-v9", overwrite: false)
        }
    }

    func testEmptyDirectoryLoadsAsNoState() throws {
        let state = try BoundKeypairClientState.load(directory: temporaryDirectory().appendingPathComponent("missing"))
        XCTAssertNil(state.activeKey)
        XCTAssertNil(state.joinState)
        XCTAssertTrue(state.history.entries.isEmpty)
    }

    func testUnreadableHistoryIsIgnoredAndSeededWithTheActiveKey() throws {
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try Data("{not json".utf8).write(to: directory.appendingPathComponent("bkp_key_history.json"))
        let state = try BoundKeypairClientState.load(directory: directory)
        XCTAssertEqual(state.history.entries.map(\.key.publicKey.ssh), [created.publicKey])
    }

    func testDamagedPrivateKeyIsAnError() throws {
        let directory = try temporaryDirectory()
        try Data("garbage".utf8).write(to: directory.appendingPathComponent("id_bkp"))
        assertThrowsJoinError(.badParameter, containing: "id_bkp is not a PEM") {
            _ = try BoundKeypairClientState.load(directory: directory)
        }
    }

    func testOverwriteReplacesADamagedKey() throws {
        let directory = try temporaryDirectory()
        try Data("garbage".utf8).write(to: directory.appendingPathComponent("id_bkp"))
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: true)
        XCTAssertTrue(created.created)
        XCTAssertEqual(try BoundKeypairClientState.load(directory: directory).publicKey, created.publicKey)
    }

    func testProverSendsTheSecretOnlyBeforeItHasAJoinState() async throws {
        let cluster = BoundKeypairTestCluster()
        try cluster.createToken(section: Section.make(registrationSecret: "s3cret"))
        let directory = try temporaryDirectory()
        let prover = try cluster.prover(directory: directory, secret: "s3cret")
        let request = ProofRequest(tokenName: BoundKeypairTestCluster.tokenName, role: .bot, nodeName: "")
        let before = try JSONSerialization.jsonObject(with: await prover.initialPayload(for: request)) as? [String: String]
        XCTAssertEqual(before, ["initial_join_secret": "s3cret"])

        let outcome = try await cluster.join(prover)
        let after = try JSONSerialization.jsonObject(with: await prover.initialPayload(for: request)) as? [String: String]
        XCTAssertEqual(after, ["previous_join_state": outcome.joinState])
    }

    func testBotProvesAnOlderKeyAfterTheClusterIsRolledBack() async throws {
        let cluster = BoundKeypairTestCluster()
        let directory = try temporaryDirectory()
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false)
        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, mode: "insecure"))
        let prover = try cluster.prover(directory: directory)
        let first = try await cluster.join(prover)
        let backup = try XCTUnwrap(cluster.token)

        try cluster.createToken(section: Section.make(initialPublicKey: created.publicKey.authorizedKey, mode: "insecure",
                                                      rotateAfter: RFC3339.format(cluster.clock.now)))
        cluster.clock.advance(by: 60)
        _ = try await cluster.join(prover, caller: first.caller)
        XCTAssertNotEqual(try BoundKeypairClientState.load(directory: directory).publicKey, created.publicKey)

        cluster.store(backup)  // The Auth server's backend is restored from before the rotation.
        let afterRollback = try await cluster.join(prover, caller: first.caller)
        XCTAssertEqual(afterRollback.exchange.challenges.first?["public_key"] as? String, created.publicKey.authorizedKey)
        XCTAssertEqual(try BoundKeypairClientState.load(directory: directory).publicKey, created.publicKey)
    }
}
