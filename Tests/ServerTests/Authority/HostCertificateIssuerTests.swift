import Crypto
import Foundation
import JoinCore
import Server
import SwiftASN1
import X509
import XCTest

/// Spec §4.4: what a host certificate contains.
final class HostCertificateIssuerTests: XCTestCase {
    private var issuer: HostCertificateIssuer!

    override func setUpWithError() throws {
        issuer = try HostCertificateIssuer(hostCA: try AuthorityFixtures.hostCA(now: AuthorityFixtures.now))
    }

    private func request(
        hostID: String = "h1", nodeName: String = "node-1", role: SystemRole = .instance,
        additionalPrincipals: [String] = [], dnsNames: [String] = [], remoteHost: String? = nil
    ) -> HostCertificateRequest {
        AuthorityFixtures.hostRequest(
            hostID: hostID, nodeName: nodeName, role: role, systemRoles: role == .instance ? [.node] : [],
            additionalPrincipals: additionalPrincipals, dnsNames: dnsNames, remoteHost: remoteHost, now: AuthorityFixtures.now)
    }

    private func sans(_ certificate: Certificate) throws -> [GeneralName] {
        Array(try XCTUnwrap(try certificate.extensions.subjectAlternativeNames))
    }

    func testPrincipalsAreInSpecOrder() throws {
        let certificate = try issuer.sshCertificate(for: request(additionalPrincipals: ["extra.example.org"]))
        XCTAssertEqual(certificate.principals, [
            "h1.example.com", "h1", "node-1.example.com", "node-1", "localhost", "127.0.0.1", "::1", "extra.example.org",
        ])
    }

    func testDuplicatePrincipalsAppearOnce() throws {
        let certificate = try issuer.sshCertificate(for: request(
            nodeName: "h1", additionalPrincipals: ["localhost", "h1", "extra", "extra", "127.0.0.1"]))
        XCTAssertEqual(certificate.principals, ["h1.example.com", "h1", "localhost", "127.0.0.1", "::1", "extra"])
    }

    func testEmptyNodeNameAddsNoNodePrincipals() throws {
        let certificate = try issuer.sshCertificate(for: request(nodeName: ""))
        XCTAssertEqual(certificate.principals, ["h1.example.com", "h1", "localhost", "127.0.0.1", "::1"])
    }

    func testAdminCertificateHasOnlyTheHostIDPrincipal() throws {
        let certificate = try issuer.sshCertificate(for: request(role: .admin, additionalPrincipals: ["extra"]))
        XCTAssertEqual(certificate.principals, ["h1"])
    }

    func testUnspecifiedAddressIsReplacedByTheCallersAddress() throws {
        let certificate = try issuer.sshCertificate(for: request(additionalPrincipals: ["0.0.0.0", "a"], remoteHost: "192.0.2.7:51000"))
        XCTAssertEqual(Array(certificate.principals.suffix(2)), ["192.0.2.7", "a"])
        XCTAssertFalse(certificate.principals.contains("0.0.0.0"))

        let tls = try issuer.tlsCertificate(for: request(role: .proxy, additionalPrincipals: ["0.0.0.0"], remoteHost: "[2001:db8::5]:3025"))
        XCTAssertTrue(try sans(tls).contains(HostCertificateNames.generalName(for: "2001:db8::5")))
    }

    func testUnspecifiedAddressIsDroppedWhenTheCallerIsUnknown() throws {
        let certificate = try issuer.sshCertificate(for: request(additionalPrincipals: ["0.0.0.0"]))
        XCTAssertFalse(certificate.principals.contains("0.0.0.0"))
    }

    func testSSHCertificateIsAForeverHostCertificateWithTeleportExtensions() throws {
        let certificate = try issuer.sshCertificate(for: request())
        XCTAssertEqual(certificate.kind, .host)
        XCTAssertEqual(certificate.keyID, "")
        XCTAssertEqual(certificate.validAfter, UInt64(AuthorityFixtures.now.timeIntervalSince1970) - 60)
        XCTAssertEqual(certificate.validBefore, UInt64.max)
        XCTAssertEqual(certificate.extensions, [
            .init(name: "x-teleport-authority", value: "example.com"),
            .init(name: "x-teleport-role", value: "Instance"),
        ])
        XCTAssertTrue(certificate.criticalOptions.isEmpty)
        XCTAssertTrue(certificate.isSigned(by: try issuer.hostCA.trustedSSHKeys))
    }

    func testTLSCertificateSubjectAndValidity() throws {
        let certificate = try issuer.tlsCertificate(for: request())
        let attributes = certificate.subject.flatMap { $0 }
        func values(_ oid: ASN1ObjectIdentifier) -> [String] { attributes.filter { $0.type == oid }.compactMap { String($0.value) } }
        XCTAssertEqual(values(.RDNAttributeType.commonName), ["h1.example.com"])
        XCTAssertEqual(values(.RDNAttributeType.organizationName), ["Instance"])
        XCTAssertEqual(values(CertificateIdentityOIDs.clusterName), ["example.com"])
        XCTAssertEqual(values(CertificateIdentityOIDs.systemRole), ["Node"])
        XCTAssertEqual(certificate.notValidBefore, AuthorityFixtures.now - 60)
        XCTAssertEqual(certificate.notValidAfter, AuthorityFixtures.now + 10 * 365 * 24 * 3600)
        XCTAssertEqual(certificate.issuer, issuer.hostCA.tlsCertificate.subject)
    }

    func testTLSCertificateUsagesOfAServingRole() throws {
        let certificate = try issuer.tlsCertificate(for: request(role: .auth))
        let keyUsage = try XCTUnwrap(try certificate.extensions.keyUsage)
        XCTAssertTrue(keyUsage.digitalSignature)
        XCTAssertTrue(keyUsage.keyEncipherment)
        XCTAssertFalse(keyUsage.keyCertSign)
        let extendedKeyUsage = try XCTUnwrap(try certificate.extensions.extendedKeyUsage)
        XCTAssertEqual(Array(extendedKeyUsage), [.serverAuth, .clientAuth])
        let authorityKeyID = try XCTUnwrap(try certificate.extensions.authorityKeyIdentifier?.keyIdentifier)
        XCTAssertEqual(authorityKeyID, try issuer.hostCA.tlsCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
    }

    func testTLSSubjectAlternativeNames() throws {
        let certificate = try issuer.tlsCertificate(for: request(role: .proxy, additionalPrincipals: ["node.example.org", "10.1.2.3"], dnsNames: ["auth.example.org"]))
        let expected = ["node.example.org", "10.1.2.3", "*.teleport.cluster.local", "teleport.cluster.local", "auth.example.org",
                        "localhost", "127.0.0.1", "::1"].map(HostCertificateNames.generalName(for:))
        XCTAssertEqual(try sans(certificate), expected)
        XCTAssertEqual(HostCertificateNames.generalName(for: "10.1.2.3"), .ipAddress(ASN1OctetString(contentBytes: [10, 1, 2, 3])))
        XCTAssertEqual(HostCertificateNames.generalName(for: "::1"), .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
    }

    // MARK: Server identity is a role (issue 15)

    func testANodeCertificateIsAClientCertificateWithNoServerNames() throws {
        for role in [SystemRole.node, .instance, .kube, .app, .db, .bot] {
            let certificate = try issuer.tlsCertificate(
                for: request(role: role, additionalPrincipals: ["node.example.org", "10.1.2.3"], dnsNames: ["web.example.org"]))
            XCTAssertEqual(Array(try XCTUnwrap(try certificate.extensions.extendedKeyUsage)), [.clientAuth], "\(role)")
            XCTAssertNil(try certificate.extensions.subjectAlternativeNames, "\(role) must name no server")
        }
    }

    func testServingRolesAndInstancesCoveringThemGetServerAuthAndTheClusterLocalNames() throws {
        var instance = request(role: .instance)
        instance.systemRoles = [.node, .proxy]
        for serving in [request(role: .auth), request(role: .proxy), instance] {
            let certificate = try issuer.tlsCertificate(for: serving)
            XCTAssertTrue(Array(try XCTUnwrap(try certificate.extensions.extendedKeyUsage)).contains(.serverAuth), "\(serving.role)")
            XCTAssertTrue(try sans(certificate).contains(.dnsName("teleport.cluster.local")), "\(serving.role)")
        }
    }

    func testRequestedNamesMayNeverClaimTheClusterLocalDomain() {
        let claims = ["teleport.cluster.local", "*.teleport.cluster.local", "TELEPORT.cluster.local.", "auth.teleport.cluster.local"]
        for claim in claims {
            for role in [SystemRole.node, .proxy] {
                for (principals, dns) in [([claim], [String]()), ([], [claim])] {
                    XCTAssertThrowsError(try issuer.issue(request(role: role, additionalPrincipals: principals, dnsNames: dns)),
                                         "\(claim) as \(role)") { error in
                        XCTAssertEqual((error as? JoinError)?.kind, .badParameter)
                        XCTAssertTrue((error as? JoinError)?.message.contains("reserved for the cluster's own servers") == true)
                    }
                }
            }
        }
        // A name that merely contains the domain is not a claim on it.
        XCTAssertNoThrow(try issuer.issue(request(role: .proxy, dnsNames: ["teleport.cluster.local.example.org"])))
    }

    func testIssueReturnsCAMaterial() throws {
        let issued = try issuer.issue(request())
        XCTAssertEqual(issued.tlsCACertificatesDER, [try issuer.hostCA.tlsCertificateDER])
        XCTAssertEqual(issued.sshCAKeys, [try issuer.hostCA.sshPublicKey.wireBytes])
        XCTAssertEqual(try SSHCertificate(wireBytes: issued.sshCertificate).kind, .host)
        XCTAssertNoThrow(try Certificate(derEncoded: issued.tlsCertificateDER))
    }

    func testInstanceWithoutSystemRolesIsRejected() {
        var bad = request()
        bad.systemRoles = []
        let error = assertJoinError(.badParameter) { try issuer.issue(bad) }
        XCTAssertEqual(error?.message, "cannot generate instance cert with no system roles")
    }

    func testOtherClusterIsRejected() {
        var bad = request()
        bad.clusterName = "other.example"
        assertJoinError(.badParameter) { try issuer.issue(bad) }
    }

    func testUserCAIsNotAHostIssuer() throws {
        assertJoinError(.internalError) { try HostCertificateIssuer(hostCA: try AuthorityFixtures.userCA()) }
    }
}
