import Crypto
import Foundation
import JoinCore
import X509

/// A host certificate the CA vouches for (made only by ``HostCertificateVerifier``): the facts
/// the audit records, the common name the token's rules match, and the key that must sign the
/// challenge.
public struct VerifiedHostCertificate: Sendable {
    public let leaf: Certificate
    /// The leaf's key; P-256, as ``HostCertificatePolicy`` requires.
    public let publicKey: P256.Signing.PublicKey
    /// SHA-256 of the leaf's DER as the host sent it.
    public let fingerprint: Data
    /// The subject's one common name; nil when it has none.
    public let commonName: String?

    /// The audit keys.
    public static let commonNameAttribute = "x509pop.subject_common_name"
    public static let serialAttribute = "x509pop.serial"
    public static let fingerprintAttribute = "x509pop.fingerprint_sha256"

    init(_ chain: X509PopPayload) throws {
        let leaf = chain.leaf
        guard let key = P256.Signing.PublicKey(leaf.publicKey) else {
            // HostCertificatePolicy has already refused any other key; kept for the type.
            throw X509PopErrors.hostCertificateRefused(HostCertificateVerifier.describe(leaf.subject),
                                                       "has a \(leaf.publicKey) key; x509pop needs a P-256 ECDSA key")
        }
        self.leaf = leaf
        publicKey = key
        fingerprint = Data(SHA256.hash(data: chain.leafDER))
        commonName = try Self.commonName(of: leaf)
    }

    /// The lower-case hex fingerprint.
    public var fingerprintHex: String { Hex.encode(fingerprint) }
    /// The serial number as lower-case hex, as `openssl x509 -serial` prints it.
    public var serialHex: String { Hex.encode(Data(leaf.serialNumber.bytes)) }

    /// Verified facts for the audit event.
    public var attributes: [String: String] {
        var attributes = [Self.serialAttribute: serialHex, Self.fingerprintAttribute: fingerprintHex]
        if let commonName { attributes[Self.commonNameAttribute] = commonName }
        return attributes
    }

    /// Throws unless `solution` is this certificate's key's signature over `challenge`.
    public func checkSignature(_ solution: Data, over challenge: X509PopChallenge) throws {
        let signature: P256.Signing.ECDSASignature
        do {
            signature = try P256.Signing.ECDSASignature(derRepresentation: solution)
        } catch {
            throw X509PopErrors.malformedSignature
        }
        guard publicKey.isValidSignature(signature, for: challenge.signedMessage) else {
            throw X509PopErrors.signatureDoesNotVerify(fingerprint: fingerprintHex)
        }
    }

    /// The subject's common name. Two common names are refused rather than picked from: which
    /// one a rule should see is exactly the kind of ambiguity an attacker looks for.
    static func commonName(of leaf: Certificate) throws -> String? {
        let values = leaf.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.map(\.value)
        guard values.count <= 1 else { throw X509PopErrors.ambiguousCommonName(HostCertificateVerifier.describe(leaf.subject)) }
        guard let value = values.first else { return nil }
        guard let text = String(value) else {
            throw X509PopErrors.hostCertificateRefused(HostCertificateVerifier.describe(leaf.subject),
                                                       "has a common name that is not a string")
        }
        return text
    }
}

/// Lower-case hex.
enum Hex {
    static func encode(_ data: Data) -> String {
        data.map { String(format: "%02x", $0) }.joined()
    }
}
