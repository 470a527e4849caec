import Crypto
import JoinCore
import SwiftASN1
import X509

/// A TLS public key the Auth server certifies: parsed from the PKIX DER SubjectPublicKeyInfo a
/// joining process sends, and only of the algorithms we certify, ECDSA P-256 and Ed25519.
///
/// Ed25519 is accepted because the spec lets the cluster's algorithm suite pick it, even
/// though our own TLS stack serves only P-256 (see LIBRARIES.md).
public struct SubjectTLSPublicKey: Sendable {
    /// The parsed key, ready to be signed into a certificate.
    public let key: Certificate.PublicKey

    /// Parses `der`; refuses an empty, malformed or other-algorithm key.
    public init(derEncoded der: [UInt8]) throws {
        guard !der.isEmpty else {
            throw JoinError.badParameter("the TLS public key is missing; send a PKIX (SubjectPublicKeyInfo) DER public key")
        }
        let key: Certificate.PublicKey
        do {
            key = try Certificate.PublicKey(derEncoded: der)
        } catch {
            throw JoinError.badParameter(
                "the TLS public key is not a valid PKIX (SubjectPublicKeyInfo) DER public key of a supported algorithm")
        }
        guard P256.Signing.PublicKey(key) != nil || Curve25519.Signing.PublicKey(key) != nil else {
            throw JoinError.badParameter("the TLS public key must be ECDSA P-256 or Ed25519")
        }
        self.key = key
    }

    /// An ECDSA P-256 key the caller already holds.
    public init(_ key: P256.Signing.PublicKey) {
        self.key = Certificate.PublicKey(key)
    }

    /// An Ed25519 key the caller already holds.
    public init(_ key: Curve25519.Signing.PublicKey) {
        self.key = Certificate.PublicKey(key)
    }
}
