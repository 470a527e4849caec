import Crypto
import SwiftASN1
import X509

/// What x509pop asks of the leaf, on top of RFC 5280: a certificate for an end entity (not a
/// CA), with a P-256 ECDSA key (the only kind the prover signs with), whose key usage allows
/// digital signatures (the proof *is* a signature), and whose extended key usage, when it has
/// one, includes `clientAuth` (the host is a client of the cluster), or `anyExtendedKeyUsage`.
///
/// A `VerifierPolicy`, so it composes with `RFC5280Policy` in one `Verifier`, and so a leaf that
/// marks its extended key usage critical is accepted only because this policy enforces it.
/// ``refusal(of:)`` is the same rule as a sentence, for the error message.
struct HostCertificatePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage, .X509ExtensionID.basicConstraints,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        guard let refusal = Self.refusal(of: chain.leaf) else { return .meetsPolicy }
        return .failsToMeetPolicy(reason: "the leaf " + refusal)
    }

    /// Why `leaf` cannot be an x509pop host certificate (a predicate for "the host certificate
    /// ..."), or nil when it can.
    static func refusal(of leaf: Certificate) -> String? {
        do {
            if case .isCertificateAuthority? = try leaf.extensions.basicConstraints {
                return "is a CA certificate (basicConstraints CA:TRUE); x509pop needs a host (end-entity) certificate issued by the CA"
            }
            guard P256.Signing.PublicKey(leaf.publicKey) != nil else {
                return "has a \(leaf.publicKey) key; x509pop needs a P-256 ECDSA key"
            }
            guard let keyUsage = try leaf.extensions.keyUsage, keyUsage.digitalSignature else {
                return "does not allow digital signatures (keyUsage digitalSignature), which x509pop needs to prove "
                    + "possession of its key; reissue it with keyUsage = digitalSignature"
            }
            if let extendedKeyUsage = try leaf.extensions.extendedKeyUsage,
               !extendedKeyUsage.contains(.clientAuth), !extendedKeyUsage.contains(.any) {
                return "has an extended key usage without clientAuth; reissue it with extendedKeyUsage = clientAuth "
                    + "(or without an extended key usage)"
            }
        } catch {
            return "has an extension that cannot be read (\(error))"
        }
        return nil
    }
}

/// Declares the extensions ``HostCertificatePolicy`` enforces as handled, and accepts every
/// chain. Only for *diagnosing* a refused chain (is it the issuer, the dates or the leaf?):
/// without it, a leaf with a critical extended key usage could not be chained at all, and
/// would be reported as not issued by the CA. Never used to accept a chain.
struct DiagnosisOnlyPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = HostCertificatePolicy().verifyingCriticalExtensions

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult { .meetsPolicy }
}
