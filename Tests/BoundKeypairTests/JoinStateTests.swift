@testable import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import Server
import XCTest

/// The join state document (spec §8.6, scenario 7 of §14): signed by the cluster's bound-keypair
/// CA, bound to the cluster, the bot, the recovery counter and the bot instance.
final class JoinStateTests: XCTestCase {
    private let signingKey = Curve25519.Signing.PrivateKey()
    private let now = Date(timeIntervalSince1970: 1_767_225_600)
    private let status = BoundKeypairStatus(boundPublicKey: "unused", boundBotInstanceID: "instance-1", recoveryCount: 2)

    private func services(cluster: String = BoundKeypairTestCluster.clusterName) -> ClusterServices {
        ClusterServices(clusterName: cluster, jwt: JWTAuthority(clusterName: cluster, activeKey: signingKey),
                        signatureSuite: "balanced-v1")
    }

    private func issue(cluster: String = BoundKeypairTestCluster.clusterName, bot: String = BoundKeypairTestCluster.botName,
                       status: BoundKeypairStatus? = nil,
                       recovery: BoundKeypairTokenSpec.Recovery = .init(limit: 3, mode: .standard)) throws -> String {
        try JoinState.issue(cluster: services(cluster: cluster), subject: .bot(name: bot), instance: "instance-1",
                            status: status ?? self.status, recovery: recovery, now: now)
    }

    private func verify(_ token: String) throws -> JoinState {
        try JoinState.verify(token, cluster: services(), subject: .bot(name: BoundKeypairTestCluster.botName), status: status, now: now)
    }

    private func assertRefused(_ token: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try verify(token), file: file, line: line) { error in
            XCTAssertEqual(error as? JoinState.Failure, JoinState.Failure(reason: reason), file: file, line: line)
        }
    }

    func testJoinStateOfThisClusterVerifies() throws {
        let state = try verify(issue())
        XCTAssertEqual(state.claims.botInstanceID, "instance-1")
        XCTAssertEqual(state.claims.recoverySequence, 2)
        XCTAssertEqual(state.claims.aud, .many([BoundKeypairTestCluster.clusterName]))
    }

    func testJoinStateHasNoExpiryAndAKeyID() throws {
        let jws = try CompactJWS(parsing: issue())
        XCTAssertEqual(jws.keyID, JWSPublicKey.ed25519(signingKey.publicKey).keyID)
        XCTAssertEqual(jws.header["typ"], .string("JWT"))
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: jws.payload) as? [String: Any])
        XCTAssertNil(claims["exp"])
        XCTAssertEqual(claims["nbf"] as? Int, Int(now.timeIntervalSince1970) - 10)
    }

    func testJoinStateIssuedForAnotherClusterFailsTheIssuerCheck() throws {
        assertRefused(try issue(cluster: "other.example"), "invalid issuer claim")
    }

    func testJoinStateForAnotherBotFailsTheSubjectCheck() throws {
        assertRefused(try issue(bot: "other-bot"), "invalid subject claim")
    }

    func testChangedInformationalFieldsStillVerify() throws {
        let token = try issue(recovery: .init(limit: 123, mode: .relaxed))
        let state = try verify(token)
        XCTAssertEqual(state.claims.recoveryLimit, 123)
        XCTAssertEqual(state.claims.recoveryMode, "relaxed")
    }

    func testMismatchedRecoveryCounterFails() throws {
        var older = status
        older.recoveryCount = 1
        assertRefused(try issue(status: older), "recovery counter mismatch")
    }

    func testMismatchedBotInstanceFails() throws {
        let token = try JoinState.issue(cluster: services(), subject: .bot(name: BoundKeypairTestCluster.botName),
                                        instance: "instance-0", status: status,
                                        recovery: .init(), now: now)
        assertRefused(token, "bot instance mismatch")
    }

    func testJoinStateSignedByAnotherCAIsRefused() throws {
        let foreign = ClusterServices(clusterName: BoundKeypairTestCluster.clusterName,
                                      jwt: JWTAuthority.generate(clusterName: BoundKeypairTestCluster.clusterName),
                                      signatureSuite: "balanced-v1")
        let token = try JoinState.issue(cluster: foreign, subject: .bot(name: BoundKeypairTestCluster.botName), instance: "instance-1",
                                        status: status, recovery: .init(), now: now)
        XCTAssertThrowsError(try verify(token)) { error in
            XCTAssertTrue((error as? JoinState.Failure)?.reason.contains("could not be verified") == true, "\(error)")
        }
    }

    func testJoinStateWithoutKeyIDIsRefused() throws {
        let token = try CompactJWS.sign(payload: JWSPublicKey.ed25519(signingKey.publicKey).pkixDER, with: .ed25519(signingKey))
        XCTAssertThrowsError(try verify(token)) { error in
            XCTAssertTrue((error as? JoinState.Failure)?.reason.contains("kid") == true, "\(error)")
        }
    }

    func testTamperedJoinStateIsRefused() throws {
        var parts = try issue().split(separator: ".").map(String.init)
        var claims = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(Base64URL.decode(Substring(parts[1])))) as? [String: Any])
        claims["recovery_sequence"] = 5
        parts[1] = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
        XCTAssertThrowsError(try verify(parts.joined(separator: "."))) { error in
            XCTAssertTrue((error as? JoinState.Failure)?.reason.contains("signature") == true, "\(error)")
        }
    }
}
