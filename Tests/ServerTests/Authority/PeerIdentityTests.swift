import Crypto
import Foundation
import JoinCore
import Server
import X509
import XCTest

/// The Auth server authenticates mTLS callers with ``PeerIdentity``.
final class PeerIdentityTests: XCTestCase {
    private let now = AuthorityFixtures.now
    private var hostCA: CertificateAuthority!

    override func setUpWithError() throws {
        hostCA = try AuthorityFixtures.hostCA(now: now)
    }

    private func hostCertificate(from ca: CertificateAuthority, role: SystemRole = .instance, systemRoles: [SystemRole] = [.node, .proxy]) throws -> Certificate {
        try HostCertificateIssuer(hostCA: ca).tlsCertificate(for: AuthorityFixtures.hostRequest(
            hostID: "h1", role: role, systemRoles: systemRoles, now: now))
    }

    func testOurHostCertificateIsAccepted() throws {
        let identity = try PeerIdentity.verify(try hostCertificate(from: hostCA), trustedCAs: hostCA.trustedTLSCertificates, now: now + 3600)
        XCTAssertEqual(identity.hostID, "h1")
        XCTAssertEqual(identity.commonName, "h1.example.com")
        XCTAssertEqual(identity.clusterName, "example.com")
        XCTAssertEqual(identity.role, .instance)
        XCTAssertEqual(identity.systemRoles, [.node, .proxy])
        XCTAssertNil(identity.bot)
    }

    func testAdminIdentityFromLocalHelperIsAccepted() throws {
        let run = AuthServerRun(serverID: "auth-1", generation: "g1")
        let admin = try LocalTLSIdentity.admin(hostCA: hostCA, run: run, now: now)
        let identity = try PeerIdentity.verify(try Certificate(derEncoded: admin.certificateDER), trustedCAs: hostCA.trustedTLSCertificates, now: now)
        XCTAssertEqual(identity.role, .admin)
        XCTAssertEqual(identity.hostID, "admin-g1")
        XCTAssertEqual(identity.adminRun, run)
        XCTAssertNoThrow(try P256.Signing.PrivateKey(pemRepresentation: admin.privateKeyPEM))
        XCTAssertEqual(admin.caCertificatesDER, [try hostCA.tlsCertificateDER])
    }

    func testAuthServingCertificateCoversClusterLocalNames() throws {
        let served = try LocalTLSIdentity.authServer(hostCA: hostCA, hostID: "auth-1", advertiseNames: ["auth.example.org"], now: now)
        let certificate = try Certificate(derEncoded: served.certificateDER)
        let names = Array(try XCTUnwrap(try certificate.extensions.subjectAlternativeNames))
        for name in ["auth.example.org", "teleport.cluster.local", "localhost", "127.0.0.1"] {
            XCTAssertTrue(names.contains(HostCertificateNames.generalName(for: name)), name)
        }
        XCTAssertEqual(try PeerIdentity.verify(certificate, trustedCAs: hostCA.trustedTLSCertificates, now: now).role, .auth)
    }

    func testCertificateFromAnotherCAIsRejected() throws {
        // Same cluster name, so the same issuer name: only the signature tells them apart.
        let foreign = try hostCertificate(from: try AuthorityFixtures.hostCA(now: now))
        assertJoinError(.accessDenied) { try PeerIdentity.verify(foreign, trustedCAs: hostCA.trustedTLSCertificates, now: now) }
    }

    func testSelfSignedCertificateIsRejected() throws {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { OrganizationName("Admin"); CommonName("h1.example.com") }
        let selfSigned = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: now - 60, notValidAfter: now + 60,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(), issuerPrivateKey: key)
        assertJoinError(.accessDenied) { try PeerIdentity.verify(selfSigned, trustedCAs: hostCA.trustedTLSCertificates, now: now) }
    }

    func testExpiredCertificateIsRejected() throws {
        let userCA = try AuthorityFixtures.userCA(now: now)
        let bot = try UserCertificateIssuer(userCA: userCA).tlsCertificate(for: botRequest(ttl: 600))
        XCTAssertNoThrow(try PeerIdentity.verify(bot, trustedCAs: userCA.trustedTLSCertificates, now: now + 599))
        let error = assertJoinError(.accessDenied) { try PeerIdentity.verify(bot, trustedCAs: userCA.trustedTLSCertificates, now: now + 601) }
        XCTAssertTrue(error?.message.contains("expired") == true)
    }

    func testNotYetValidCertificateIsRejected() throws {
        let certificate = try hostCertificate(from: hostCA)
        assertJoinError(.accessDenied) { try PeerIdentity.verify(certificate, trustedCAs: hostCA.trustedTLSCertificates, now: now - 3600) }
    }

    func testCACertificateIsNotAnIdentity() throws {
        assertJoinError(.accessDenied) {
            try PeerIdentity.verify(hostCA.tlsCertificate, trustedCAs: hostCA.trustedTLSCertificates, now: now)
        }
    }

    func testBotCertificateCarriesBotDetails() throws {
        let userCA = try AuthorityFixtures.userCA(now: now)
        let bot = try UserCertificateIssuer(userCA: userCA).tlsCertificate(for: botRequest(ttl: nil))
        let identity = try PeerIdentity.verify(bot, trustedCAs: userCA.trustedTLSCertificates, now: now)
        XCTAssertEqual(identity.role, .bot)
        XCTAssertEqual(identity.commonName, "bot-deployer")
        XCTAssertEqual(identity.bot, PeerIdentity.Bot(name: "deployer", instanceID: "instance-1", generation: 4))
        XCTAssertEqual(bot.notValidAfter, now + 3600)
    }

    func testHostCAIsNotTrustedForBotCertificates() throws {
        let userCA = try AuthorityFixtures.userCA(now: now)
        let bot = try UserCertificateIssuer(userCA: userCA).tlsCertificate(for: botRequest(ttl: nil))
        assertJoinError(.accessDenied) { try PeerIdentity.verify(bot, trustedCAs: hostCA.trustedTLSCertificates, now: now) }
    }

    private func botRequest(ttl: TimeInterval?) -> BotCertificateRequest {
        BotCertificateRequest(
            botName: "deployer", botInstanceID: "instance-1", generation: 4,
            sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
            tlsPublicKey: AuthorityFixtures.tlsPublicKey(), ttl: ttl, now: now)
    }
}
