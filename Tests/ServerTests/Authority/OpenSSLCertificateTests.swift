import Foundation
import JoinCore
import Server
import TestSupport
import X509
import XCTest

/// `openssl` accepts our X.509 host certificates and computes the same CA pin we do.
final class OpenSSLCertificateTests: XCTestCase {
    private static let openssl = "/usr/bin/openssl"
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory()
    }

    override func tearDown() {
        scratch?.remove()
    }

    private func writeHostCertificate(from ca: CertificateAuthority, role: SystemRole = .instance,
                                      systemRoles: [SystemRole] = [.node, .app]) throws -> String {
        let issued = try HostCertificateIssuer(hostCA: ca).issue(AuthorityFixtures.hostRequest(role: role, systemRoles: systemRoles))
        return try scratch.write(try AuthorityFixtures.pem(der: issued.tlsCertificateDER), to: "leaf.pem", permissions: 0o644)
    }

    func testOpenSSLVerifiesAClientOnlyHostCertificateAgainstHostCA() throws {
        let ca = try AuthorityFixtures.hostCA()
        let caPath = try scratch.write(try ca.tlsCertificatePEM + "\n", to: "ca.pem", permissions: 0o644)
        let leafPath = try writeHostCertificate(from: ca)

        let client = try Command.run(Self.openssl, ["verify", "-purpose", "sslclient", "-CAfile", caPath, leafPath])
        XCTAssertEqual(client.status, 0, "openssl verify (sslclient): \(client.combined)")
        XCTAssertTrue(client.stdout.contains("leaf.pem: OK"), client.combined)
        // A Node serves nothing over TLS: openssl must refuse it as a TLS server.
        let server = try Command.run(Self.openssl, ["verify", "-purpose", "sslserver", "-CAfile", caPath, leafPath])
        XCTAssertNotEqual(server.status, 0, "a Node certificate must not verify as a TLS server: \(server.combined)")
    }

    func testOpenSSLVerifiesAnAuthCertificateAsBothServerAndClient() throws {
        let ca = try AuthorityFixtures.hostCA()
        let caPath = try scratch.write(try ca.tlsCertificatePEM + "\n", to: "ca.pem", permissions: 0o644)
        let leafPath = try writeHostCertificate(from: ca, role: .auth, systemRoles: [])

        for purpose in ["sslserver", "sslclient"] {
            let output = try Command.run(Self.openssl, ["verify", "-purpose", purpose, "-CAfile", caPath, leafPath])
            XCTAssertEqual(output.status, 0, "openssl verify (\(purpose)): \(output.combined)")
            XCTAssertTrue(output.stdout.contains("leaf.pem: OK"), output.combined)
        }
    }

    func testOpenSSLRejectsHostCertificateFromAnotherCA() throws {
        let trusted = try AuthorityFixtures.hostCA()
        let caPath = try scratch.write(try trusted.tlsCertificatePEM + "\n", to: "ca.pem", permissions: 0o644)
        let leafPath = try writeHostCertificate(from: try AuthorityFixtures.hostCA())

        let output = try Command.run(Self.openssl, ["verify", "-CAfile", caPath, leafPath])
        XCTAssertNotEqual(output.status, 0, output.combined)
    }

    func testOpenSSLShowsClusterAttributeAndRoleInSubject() throws {
        let leafPath = try writeHostCertificate(from: try AuthorityFixtures.hostCA())
        let output = try Command.run(Self.openssl, ["x509", "-noout", "-subject", "-in", leafPath])
        XCTAssertEqual(output.status, 0, output.combined)
        let subject = output.stdout.replacingOccurrences(of: " ", with: "")
        XCTAssertTrue(subject.contains("1.3.9999.1.7=example.com"), output.stdout)
        XCTAssertTrue(subject.contains("O=Instance"), output.stdout)
        XCTAssertTrue(subject.contains("CN=5f1c8a52-7e1e-4a55-9f0e-3f0b4c3f6a21.example.com"), output.stdout)
        XCTAssertTrue(subject.contains("1.3.9999.2.11=Node"), output.stdout)
        XCTAssertTrue(subject.contains("1.3.9999.2.11=App"), output.stdout)
    }

    func testOpenSSLShowsCAProfile() throws {
        let ca = try AuthorityFixtures.hostCA()
        let caPath = try scratch.write(try ca.tlsCertificatePEM + "\n", to: "ca.pem", permissions: 0o644)
        let output = try Command.run(Self.openssl, ["x509", "-noout", "-text", "-in", caPath])
        XCTAssertEqual(output.status, 0, output.combined)
        XCTAssertTrue(output.stdout.contains("CA:TRUE"), output.stdout)
        XCTAssertTrue(output.stdout.contains("Certificate Sign, CRL Sign"), output.stdout)
        XCTAssertTrue(output.stdout.contains("Subject Key Identifier"), output.stdout)
        XCTAssertTrue(output.stdout.replacingOccurrences(of: " ", with: "").contains("Subject:O=example.com,CN=example.com"), output.stdout)
    }

    func testCAPinEqualsOpenSSLDigestOfSubjectPublicKeyInfo() throws {
        let ca = try AuthorityFixtures.hostCA()
        let caPath = try scratch.write(try ca.tlsCertificatePEM + "\n", to: "ca.pem", permissions: 0o644)
        let output = try Command.shell(
            "\(Self.openssl) x509 -in '\(caPath)' -pubkey -noout | \(Self.openssl) pkey -pubin -outform DER | \(Self.openssl) dgst -sha256")
        XCTAssertEqual(output.status, 0, output.combined)
        let hex = try XCTUnwrap(output.stdout.split(whereSeparator: \.isWhitespace).last.map(String.init))
        XCTAssertEqual(try ca.caPin.description, "sha256:" + hex)
    }
}
