import Crypto
import Foundation
import JoinCore
import Server
import X509

/// A certificate and its key, PEM, as a process holds them.
struct TestIdentity: Sendable {
    let certificatePEM: String
    let privateKeyPEM: String
}

/// Issues the identities the server-access tests need from a cluster's real CAs: the proxy's
/// and nodes' host certificates (``HostCertificateIssuer`` via ``LocalTLSIdentity``) and users'
/// certificates from the user CA (``UserCertificateIssuer``; a bot's certificate stands in for
/// a user's: CN `bot-<name>`, clientAuth, the user CA's signature).
struct ClusterIdentities: Sendable {
    let host: CertificateAuthority
    let user: CertificateAuthority

    /// Fresh CAs of a cluster that has nothing to do with the one under test.
    static func foreign(clusterName: String = "other.example.com") throws -> ClusterIdentities {
        ClusterIdentities(host: try .generate(kind: .host, clusterName: clusterName, now: Date()),
                          user: try .generate(kind: .user, clusterName: clusterName, now: Date()))
    }

    var hostCAPEM: String { (try? host.tlsCertificatePEM) ?? "" }
    var userCAPEM: String { (try? user.tlsCertificatePEM) ?? "" }

    func hostIdentity(_ hostID: String, role: SystemRole, nodeName: String = "") throws -> TestIdentity {
        let identity = try LocalTLSIdentity.issue(hostCA: host, hostID: hostID, role: role, nodeName: nodeName, now: Date())
        return TestIdentity(certificatePEM: try identity.certificatePEM(), privateKeyPEM: identity.privateKeyPEM)
    }

    func proxy() throws -> TestIdentity { try hostIdentity("proxy-under-test", role: .proxy) }

    func node(_ hostID: String) throws -> TestIdentity { try hostIdentity(hostID, role: .node) }

    /// A user certificate for `bot-<name>`, issued at `issuedAt` for `ttl` seconds.
    func user(_ name: String, issuedAt: Date = Date(), ttl: TimeInterval = 3600) throws -> TestIdentity {
        let key = P256.Signing.PrivateKey()
        let issued = try UserCertificateIssuer(userCA: user).issueUserLogin(
            UserLoginCertificateRequest(user: name, roles: ["access"], logins: ["root"],
                                        sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
                                        tlsPublicKey: SubjectTLSPublicKey(key.publicKey), notAfter: issuedAt.addingTimeInterval(ttl),
                                        now: issuedAt),
            hostCA: host)
        let certificate = try Certificate(derEncoded: issued.tlsCertificateDER)
        return TestIdentity(certificatePEM: try certificate.serializeAsPEM().pemString + "\n", privateKeyPEM: key.pemRepresentation)
    }

    /// A bot's certificate (also from the user CA), which the SSH route refuses.
    func bot(_ name: String) throws -> TestIdentity {
        let key = P256.Signing.PrivateKey()
        let request = BotCertificateRequest(
            botName: name, botInstanceID: "instance-\(name)", generation: 1,
            sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
            tlsPublicKey: SubjectTLSPublicKey(key.publicKey), ttl: 3600, now: Date())
        let certificate = try UserCertificateIssuer(userCA: user).tlsCertificate(for: request)
        return TestIdentity(certificatePEM: try certificate.serializeAsPEM().pemString + "\n", privateKeyPEM: key.pemRepresentation)
    }
}

/// The Proxy Service's web certificate: a private web CA and a leaf for 127.0.0.1, trusted by
/// clients through `ca_path` (``ClusterDialer/ProxyTrust/trustRoots``) as an operator would.
struct WebCertificate: Sendable {
    let ca: Certificate
    let chainPEM: [String]
    let keyPEM: String

    static func make() throws -> WebCertificate {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Test Web CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))
        let key = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: caName, subject: try DistinguishedName { CommonName("127.0.0.1") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([HostCertificateNames.generalName(for: "127.0.0.1"), .dnsName("localhost")])
            },
            issuerPrivateKey: .init(caKey))
        return WebCertificate(ca: ca, chainPEM: [try leaf.serializeAsPEM().pemString, try ca.serializeAsPEM().pemString],
                              keyPEM: key.pemRepresentation)
    }
}
