import Crypto
import JoinCore
import SwiftASN1
import X509

/// Parses the TLS public key a joining process sends (PKIX DER SubjectPublicKeyInfo) and
/// accepts only the algorithms we certify: ECDSA P-256 and Ed25519.
///
/// Ed25519 is accepted because the spec lets the cluster's algorithm suite pick it, even
/// though our own TLS stack serves only P-256 (see LIBRARIES.md).
package enum SubjectTLSPublicKey {
    package static func parse(_ der: [UInt8]) throws -> Certificate.PublicKey {
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
        return key
    }
}
