import Crypto
import Foundation
import JoinCore
import X509PopJoin
import XCTest

/// The challenge: a fresh nonce bound to the leaf's fingerprint and the cluster's name, and the
/// domain-separated message the host signs.
final class X509PopChallengeTests: XCTestCase {
    private let fingerprint = Data(repeating: 0xab, count: 32)

    func testChallengeRoundTrips() throws {
        let challenge = X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "test.example.com")
        XCTAssertEqual(try X509PopChallenge(decoding: challenge.encoded), challenge)
        XCTAssertEqual(challenge.encoded.count, 1 + 32 + 32 + 2 + "test.example.com".utf8.count)
    }

    func testEveryChallengeHasAFreshNonce() {
        let nonces = Set((0..<100).map { _ in X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "c").nonce })
        XCTAssertEqual(nonces.count, 100)
        XCTAssertTrue(nonces.allSatisfy { $0.count == 32 })
    }

    func testSignedMessageIsTheLabelThenTheChallenge() {
        let challenge = X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "c")
        XCTAssertEqual(challenge.signedMessage, Data("joinery-x509pop-v1\u{0}".utf8) + challenge.encoded)
    }

    func testChallengeCutShortIsRefused() {
        let encoded = X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "c").encoded
        XCTAssertThrowsError(try X509PopChallenge(decoding: encoded.prefix(40))) { error in
            XCTAssertEqual(error as? JoinError, X509PopErrors.malformedChallenge("cut short"))
        }
    }

    func testChallengeWithTrailingBytesIsRefused() {
        let encoded = X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "c").encoded + Data([0])
        XCTAssertThrowsError(try X509PopChallenge(decoding: encoded)) { error in
            XCTAssertEqual(error as? JoinError, X509PopErrors.malformedChallenge("a bad cluster name"))
        }
    }

    func testChallengeOfAnotherVersionIsRefused() {
        var encoded = X509PopChallenge.fresh(fingerprint: fingerprint, clusterName: "c").encoded
        encoded[0] = 2
        XCTAssertThrowsError(try X509PopChallenge(decoding: encoded)) { error in
            XCTAssertEqual((error as? JoinError)?.message,
                           "x509pop: unexpected challenge from the Auth server (not a version 1 challenge); are both sides running the same x509pop plugin version?")
        }
    }
}
