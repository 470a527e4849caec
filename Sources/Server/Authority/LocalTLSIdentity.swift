import Crypto
import Foundation
import JoinCore
import X509

/// A TLS identity the Auth server makes for itself rather than through a join: its own
/// serving certificate and the Admin client identity `tctl` uses on the Auth host.
///
/// Both have a fresh ECDSA P-256 key (the only key type swift-nio-ssl serves reliably) and a
/// subject ``PeerIdentity`` reads like any other. The serving certificate is an ordinary host
/// certificate from ``HostCertificateIssuer``; the Admin one is short-lived and carries the
/// Auth server run it belongs to.
public struct LocalTLSIdentity: Sendable {
    /// PKCS#8 PEM of the new key.
    public let privateKeyPEM: String
    public let certificateDER: [UInt8]
    /// The host CA certificates to trust peers with.
    public let caCertificatesDER: [[UInt8]]

    /// Issues a certificate for a fresh key with `role`.
    public static func issue(
        hostCA: CertificateAuthority, hostID: String, role: SystemRole, nodeName: String = "",
        additionalPrincipals: [String] = [], dnsNames: [String] = [], now: Date
    ) throws -> LocalTLSIdentity {
        let key = P256.Signing.PrivateKey()
        let issuer = try HostCertificateIssuer(hostCA: hostCA)
        let request = HostCertificateRequest(
            hostID: hostID, nodeName: nodeName, clusterName: hostCA.clusterName, role: role,
            systemRoles: role == .admin ? [] : [role],
            // Only the TLS half is issued here, so the SSH key is a throwaway.
            sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
            tlsPublicKey: SubjectTLSPublicKey(key.publicKey),
            additionalPrincipals: additionalPrincipals, dnsNames: dnsNames, now: now)
        let certificate = try issuer.tlsCertificate(for: request)
        return LocalTLSIdentity(
            privateKeyPEM: key.pemRepresentation,
            certificateDER: try CertificateAuthority.derBytes(of: certificate),
            caCertificatesDER: try hostCA.trustedTLSCertificates.map(CertificateAuthority.derBytes(of:)))
    }

    /// The Auth server's serving certificate (role `Auth`), valid for `teleport.cluster.local`,
    /// loopback, and `advertiseNames` (host names or IPs clients dial).
    public static func authServer(
        hostCA: CertificateAuthority, hostID: String, nodeName: String = "", advertiseNames: [String] = [], now: Date
    ) throws -> LocalTLSIdentity {
        try issue(hostCA: hostCA, hostID: hostID, role: .auth, nodeName: nodeName, additionalPrincipals: advertiseNames, now: now)
    }

    /// An Admin client identity (what `tctl` presents on the Auth host): a client-only
    /// certificate for `lifetime` (hours, not the ten years of host certificates) that names
    /// the Auth server run it belongs to, so that only the current run's identity is accepted
    /// (see ``AdminGenerationCheck``).
    public static func admin(
        hostCA: CertificateAuthority, run: AuthServerRun, lifetime: TimeInterval = AdminIdentityPolicy.standard.lifetime,
        now: Date
    ) throws -> LocalTLSIdentity {
        let key = P256.Signing.PrivateKey()
        let subject = DistinguishedName([
            RelativeDistinguishedName(try .init(type: .RDNAttributeType.organizationName, utf8String: SystemRole.admin.rawValue)),
            RelativeDistinguishedName(try .init(type: .RDNAttributeType.commonName, utf8String: "admin-\(run.generation).\(hostCA.clusterName)")),
            RelativeDistinguishedName(try .init(type: CertificateIdentityOIDs.clusterName, utf8String: hostCA.clusterName)),
            RelativeDistinguishedName(try .init(type: CertificateIdentityOIDs.adminServerID, utf8String: run.serverID)),
            RelativeDistinguishedName(try .init(type: CertificateIdentityOIDs.adminGeneration, utf8String: run.generation)),
        ])
        let certificate = try hostCA.signLeafCertificate(
            subject: subject, publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - CertificateAuthority.clockSkewAllowance, notValidAfter: now + lifetime,
            extendedKeyUsage: [.clientAuth], subjectAlternativeNames: [])
        return LocalTLSIdentity(
            privateKeyPEM: key.pemRepresentation,
            certificateDER: try CertificateAuthority.derBytes(of: certificate),
            caCertificatesDER: try hostCA.trustedTLSCertificates.map(CertificateAuthority.derBytes(of:)))
    }
}

