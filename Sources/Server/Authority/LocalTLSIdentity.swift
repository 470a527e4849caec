import Crypto
import Foundation
import JoinCore
import X509

/// A TLS identity the Auth server makes for itself rather than through a join: its own
/// serving certificate and the Admin client identity `tctl` uses on the Auth host.
///
/// Both are ordinary host certificates from ``HostCertificateIssuer`` with a fresh ECDSA
/// P-256 key (the only key type swift-nio-ssl serves reliably), so ``PeerIdentity`` reads
/// them like any other.
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
            tlsPublicKeyDER: Array(key.publicKey.derRepresentation),
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

    /// An Admin client identity (what `tctl` presents on the Auth host).
    public static func admin(hostCA: CertificateAuthority, hostID: String, now: Date) throws -> LocalTLSIdentity {
        try issue(hostCA: hostCA, hostID: hostID, role: .admin, now: now)
    }
}

