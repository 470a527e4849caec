@testable import BoundKeypairJoin
import Crypto
import Foundation
import JoinCore
import XCTest

/// Challenge issuance and validation (spec §8.4, scenario 8 of §14): only the exact document,
/// signed by the expected key, within its minute, passes.
final class KeyChallengeTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_767_225_600)
    private let privateKey = JWSPrivateKey.ed25519(Curve25519.Signing.PrivateKey())

    private func challenge(for key: JWSPrivateKey? = nil) throws -> KeyChallenge {
        try KeyChallenge(key: (key ?? privateKey).publicKey, clusterName: BoundKeypairTestCluster.clusterName,
                         keyBinding: BoundKeypairTestCluster.keyBinding, now: now)
    }

    /// The client's side: sign the document bytes verbatim.
    private func solve(_ document: String, with key: JWSPrivateKey? = nil) throws -> String {
        try CompactJWS.sign(payload: Data(document.utf8), with: key ?? privateKey)
    }

    /// The document with one claim replaced, as a forger would send it.
    private func edited(_ document: String, _ key: String, _ value: Any) throws -> String {
        var claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        claims[key] = value
        return String(decoding: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]), as: UTF8.self)
    }

    private func assertRefused(_ challenge: KeyChallenge, _ solution: String, at time: Date? = nil, _ reason: String,
                               file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await challenge.validate(solution, now: time ?? now)
            XCTFail("expected \"\(reason)\"", file: file, line: line)
        } catch let failure as KeyChallenge.Failure {
            XCTAssertTrue(failure.reason.contains(reason), "\"\(failure.reason)\" lacks \"\(reason)\"", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testDocumentCarriesTheSpecClaims() throws {
        let issued = try challenge()
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(issued.document.utf8)) as? [String: Any])
        let seconds = Int(now.timeIntervalSince1970)
        XCTAssertEqual(claims["iss"] as? String, BoundKeypairTestCluster.clusterName)
        XCTAssertEqual(claims["aud"] as? String, BoundKeypairTestCluster.clusterName)
        XCTAssertEqual(claims["sub"] as? String, privateKey.publicKey.keyID)
        XCTAssertEqual(claims["iat"] as? Int, seconds)
        XCTAssertEqual(claims["nbf"] as? Int, seconds - 10)
        XCTAssertEqual(claims["exp"] as? Int, seconds + 60)
        let nonce = try XCTUnwrap(claims["nonce"] as? String)
        XCTAssertEqual(nonce.count, 32)
        XCTAssertTrue(nonce.allSatisfy(\.isHexDigit))
        XCTAssertNotEqual(nonce, try challenge().claims.nonce)
    }

    func testValidSolutionPasses() async throws {
        let issued = try challenge()
        try await issued.validate(try solve(issued.document), now: now + 30)
    }

    func testValidP256SolutionPasses() async throws {
        let p256 = JWSPrivateKey.p256(P256.Signing.PrivateKey())
        let issued = try challenge(for: p256)
        try await issued.validate(try solve(issued.document, with: p256), now: now)
    }

    func testSolutionSignedByAnotherKeyFails() async throws {
        let issued = try challenge()
        let other = JWSPrivateKey.ed25519(Curve25519.Signing.PrivateKey())
        await assertRefused(issued, try solve(issued.document, with: other), "signature does not verify")
    }

    func testSolutionWithAnotherAlgorithmFails() async throws {
        let issued = try challenge()
        let p256 = JWSPrivateKey.p256(P256.Signing.PrivateKey())
        await assertRefused(issued, try solve(issued.document, with: p256), "algorithm ES256")
    }

    func testTamperedNonceFails() async throws {
        let issued = try challenge()
        await assertRefused(issued, try solve(edited(issued.document, "nonce", String(repeating: "0", count: 32))), "invalid nonce")
    }

    func testAlteredIssuedAtFails() async throws {
        let issued = try challenge()
        await assertRefused(issued, try solve(edited(issued.document, "iat", issued.claims.iat - 1)), "invalid challenge document")
    }

    func testAlteredExpiryFails() async throws {
        let issued = try challenge()
        await assertRefused(issued, try solve(edited(issued.document, "exp", issued.claims.exp + 3600)), "invalid challenge document")
    }

    func testAlteredSubjectFails() async throws {
        let issued = try challenge()
        await assertRefused(issued, try solve(edited(issued.document, "sub", "someone-else")), "invalid subject claim")
    }

    func testExpiredChallengeFails() async throws {
        let issued = try challenge()
        // Valid until exp (now + 60 s) plus one minute of leeway.
        try await issued.validate(try solve(issued.document), now: now + 120)
        await assertRefused(issued, try solve(issued.document), at: now + 121, "expired")
    }

    func testMalformedSolutionFails() async throws {
        await assertRefused(try challenge(), "not-a-jws", "malformed JWS")
    }
}
