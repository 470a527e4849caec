import Crypto
import Foundation
import JoinCore
import Server
import X509
import XCTest

/// CA generation, the stored form, and bot certificate lifetimes.
final class CertificateAuthorityTests: XCTestCase {
    private let now = AuthorityFixtures.now

    func testGeneratedCAProfile() throws {
        let ca = try CertificateAuthority.generate(kind: .host, clusterName: "example.com", now: now)
        let certificate = ca.tlsCertificate
        XCTAssertEqual(certificate.subject, certificate.issuer)
        XCTAssertEqual(certificate.notValidBefore, now - 60)
        XCTAssertEqual(certificate.notValidAfter, now + 10 * 365 * 24 * 3600)
        let basicConstraints = try XCTUnwrap(certificate.extensions[oid: .X509ExtensionID.basicConstraints])
        XCTAssertTrue(basicConstraints.critical)
        XCTAssertEqual(try certificate.extensions.basicConstraints, .isCertificateAuthority(maxPathLength: nil))
        let keyUsage = try XCTUnwrap(try certificate.extensions.keyUsage)
        XCTAssertTrue(keyUsage.keyCertSign && keyUsage.cRLSign)
        XCTAssertTrue(try XCTUnwrap(certificate.extensions[oid: .X509ExtensionID.keyUsage]).critical)
        XCTAssertNotNil(try certificate.extensions.subjectKeyIdentifier)
        XCTAssertTrue(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        XCTAssertEqual(try ca.sshPublicKey.algorithm, .ed25519)
    }

    func testTwoCAsHaveDifferentKeysAndSerials() throws {
        let first = try CertificateAuthority.generate(kind: .host, clusterName: "example.com", now: now)
        let second = try CertificateAuthority.generate(kind: .host, clusterName: "example.com", now: now)
        XCTAssertNotEqual(try first.sshPublicKey, try second.sshPublicKey)
        XCTAssertNotEqual(first.tlsCertificate.serialNumber, second.tlsCertificate.serialNumber)
        XCTAssertNotEqual(try first.caPin, try second.caPin)
    }

    func testStoredFormRoundTripsThroughJSON() throws {
        var ca = try CertificateAuthority.generate(kind: .user, clusterName: "example.com", now: now)
        ca.additionalTrustedSSHKeys = [SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey)]
        ca.additionalTrustedTLSCertificates = [try AuthorityFixtures.hostCA(now: now).tlsCertificate]
        let json = try ca.encodedJSON()
        XCTAssertFalse(String(decoding: json, as: UTF8.self).isEmpty)

        let restored = try CertificateAuthority(json: json)
        XCTAssertEqual(restored.kind, .user)
        XCTAssertEqual(restored.clusterName, "example.com")
        XCTAssertEqual(try restored.sshPublicKey, try ca.sshPublicKey)
        XCTAssertEqual(restored.tlsCertificate, ca.tlsCertificate)
        XCTAssertEqual(restored.tlsSigningKey.publicKey, ca.tlsSigningKey.publicKey)
        XCTAssertEqual(try restored.trustedSSHKeys, try ca.trustedSSHKeys)
        XCTAssertEqual(restored.trustedTLSCertificates, ca.trustedTLSCertificates)
        XCTAssertEqual(try restored.storedForm(), try ca.storedForm())

        // The restored CA signs certificates the original's public material verifies.
        let request = BotCertificateRequest(
            botName: "b", botInstanceID: "i", generation: 1, sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
            tlsPublicKey: AuthorityFixtures.tlsPublicKey(), now: now)
        let issued = try UserCertificateIssuer(userCA: restored).sshCertificate(for: request)
        XCTAssertTrue(issued.isSigned(by: [try ca.sshPublicKey]))
        let tls = try UserCertificateIssuer(userCA: restored).tlsCertificate(for: request)
        XCTAssertNoThrow(try PeerIdentity.verify(tls, trustedCAs: [ca.tlsCertificate], now: now))
    }

    func testStoredFormWithMismatchedTLSKeyIsRejected() throws {
        let ca = try CertificateAuthority.generate(kind: .host, clusterName: "example.com", now: now)
        var stored = try ca.storedForm()
        stored.tlsPrivateKeyPEM = P256.Signing.PrivateKey().pemRepresentation
        assertJoinError(.badParameter) { try CertificateAuthority(storedForm: stored) }
    }

    func testStoredFormWithUnknownVersionIsRejected() throws {
        var stored = try CertificateAuthority.generate(kind: .host, clusterName: "example.com", now: now).storedForm()
        stored.version = 99
        assertJoinError(.badParameter) { try CertificateAuthority(storedForm: stored) }
    }

    func testMalformedJSONIsRejected() {
        assertJoinError(.badParameter) { try CertificateAuthority(json: Data("{\"version\":1}".utf8)) }
    }

    func testBotSSHCertificateLifetimeDefaultsToOneHourAndIsCappedAtOneDay() throws {
        let issuer = try UserCertificateIssuer(userCA: try AuthorityFixtures.userCA(now: now))
        func certificate(ttl: TimeInterval?) throws -> SSHCertificate {
            try issuer.sshCertificate(for: BotCertificateRequest(
                botName: "b", botInstanceID: "i", generation: 7, sshPublicKey: SSHPublicKey(P256.Signing.PrivateKey().publicKey),
                tlsPublicKey: AuthorityFixtures.tlsPublicKey(), ttl: ttl, now: now))
        }
        let start = UInt64(now.timeIntervalSince1970)
        let standard = try certificate(ttl: nil)
        XCTAssertEqual(standard.kind, .user)
        XCTAssertEqual(standard.keyID, "bot-b")
        XCTAssertEqual(standard.principals, ["bot-b"])
        XCTAssertEqual(standard.validAfter, start - 60)
        XCTAssertEqual(standard.validBefore, start + 3600)
        XCTAssertEqual(standard.extensionValue("teleport-bot-generation"), "7")
        XCTAssertEqual(standard.extensionValue("teleport-bot-instance-id"), "i")
        XCTAssertEqual(standard.extensionValue("permit-pty"), "")
        XCTAssertEqual(standard.extensions.map(\.name), standard.extensions.map(\.name).sorted())
        XCTAssertEqual(try certificate(ttl: 7 * 24 * 3600).validBefore, start + 24 * 3600)
        assertJoinError(.badParameter) { try certificate(ttl: 0) }
    }

    func testHostCAIsNotABotIssuer() throws {
        assertJoinError(.internalError) { try UserCertificateIssuer(userCA: try AuthorityFixtures.hostCA()) }
    }
}
