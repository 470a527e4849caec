import Crypto
import Foundation
import JoinCore
import SwiftASN1
import X509

/// One certificate authority of a cluster: the **host** CA signs what joined processes
/// present, the **user** CA signs bot identities (DESIGN §3).
///
/// Each CA holds two keys because SSH and TLS want different things: an Ed25519 key signs
/// OpenSSH certificates, an ECDSA P-256 key with a self-signed X.509 certificate signs TLS
/// certificates (Ed25519 TLS certificates fail swift-nio-ssl handshakes). Keys trusted from
/// before a rotation can be listed in `additionalTrusted…`; they are handed out as trust
/// anchors but never sign.
public struct CertificateAuthority: Sendable {
    /// Which CA of the cluster this is.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case host
        case user
    }

    /// How long a generated CA certificate is valid.
    public static let certificateLifetime: TimeInterval = 10 * 365 * 24 * 3600
    /// How far back validity starts, to absorb clock skew between machines.
    public static let clockSkewAllowance: TimeInterval = 60

    public let kind: Kind
    public let clusterName: String
    /// The Ed25519 seed of the SSH signing key (kept as bytes: the swift-crypto key type is
    /// not `Sendable` on Linux).
    let sshSigningKeySeed: [UInt8]
    /// The ECDSA P-256 key that signs TLS certificates.
    public let tlsSigningKey: Certificate.PrivateKey
    /// The self-signed CA certificate of `tlsSigningKey`.
    public let tlsCertificate: Certificate
    /// TLS CA certificates still trusted (e.g. during rotation) but no longer signing.
    public var additionalTrustedTLSCertificates: [Certificate]
    /// SSH CA keys still trusted but no longer signing.
    public var additionalTrustedSSHKeys: [SSHPublicKey]

    init(
        kind: Kind, clusterName: String, sshSigningKey: Curve25519.Signing.PrivateKey,
        tlsSigningKey: Certificate.PrivateKey, tlsCertificate: Certificate,
        additionalTrustedTLSCertificates: [Certificate] = [], additionalTrustedSSHKeys: [SSHPublicKey] = []
    ) {
        self.kind = kind
        self.clusterName = clusterName
        self.sshSigningKeySeed = Array(sshSigningKey.rawRepresentation)
        self.tlsSigningKey = tlsSigningKey
        self.tlsCertificate = tlsCertificate
        self.additionalTrustedTLSCertificates = additionalTrustedTLSCertificates
        self.additionalTrustedSSHKeys = additionalTrustedSSHKeys
    }

    /// Creates a CA with fresh keys: CN and O are the cluster name, valid from a minute
    /// before `now` for ten years.
    public static func generate(kind: Kind, clusterName: String, now: Date) throws -> CertificateAuthority {
        guard !clusterName.isEmpty else {
            throw JoinError.badParameter("cannot create a \(kind) CA without a cluster name")
        }
        let tlsKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName {
            OrganizationName(clusterName)
            CommonName(clusterName)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: tlsKey.publicKey)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: tlsKey.publicKey,
            notValidBefore: now - clockSkewAllowance,
            notValidAfter: now + certificateLifetime,
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: tlsKey)
        return CertificateAuthority(
            kind: kind, clusterName: clusterName, sshSigningKey: Curve25519.Signing.PrivateKey(),
            tlsSigningKey: tlsKey, tlsCertificate: certificate)
    }

    /// Signs OpenSSH certificates with this CA's SSH key.
    public var sshSigner: SSHCertificateSigner {
        get throws { SSHCertificateSigner(caKey: try sshSigningKey()) }
    }

    /// The public half of the SSH signing key.
    public var sshPublicKey: SSHPublicKey {
        get throws { SSHPublicKey(try sshSigningKey().publicKey) }
    }

    /// Every SSH CA key to trust: the active one first.
    public var trustedSSHKeys: [SSHPublicKey] {
        get throws { [try sshPublicKey] + additionalTrustedSSHKeys }
    }

    /// Every TLS CA certificate to trust: the active one first.
    public var trustedTLSCertificates: [Certificate] { [tlsCertificate] + additionalTrustedTLSCertificates }

    public var tlsCertificateDER: [UInt8] {
        get throws { try Self.derBytes(of: tlsCertificate) }
    }

    public var tlsCertificatePEM: String {
        get throws { try tlsCertificate.serializeAsPEM().pemString }
    }

    /// The pin a joining process can be given for this CA (spec §5).
    public var caPin: CAPin {
        get throws { try CAPin(certificate: tlsCertificate) }
    }

    func sshSigningKey() throws -> Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: sshSigningKeySeed)
        } catch {
            throw JoinError.internalError("the \(kind) CA's SSH signing key is invalid")
        }
    }

    static func derBytes(of certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
