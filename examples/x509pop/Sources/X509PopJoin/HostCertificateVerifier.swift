import Foundation
import JoinCore
@_spi(FixedExpiryValidationTime) @_spi(DisableValidityCheck) import X509

/// Decides whether a host's certificate chain was issued by the configured CA and may be used
/// for x509pop at a given time: swift-certificates' `Verifier` with `RFC5280Policy` (at the
/// attempt's start time, not the machine's) composed with ``HostCertificatePolicy``.
///
/// A pure function of (bundle, chain, time), so tests need only a test CA and a date. When the
/// chain is refused, a second, diagnostic run without the dates and without the leaf rules
/// tells *why* — another CA, a date, or the leaf itself — so the message says what to fix.
public struct HostCertificateVerifier: Sendable {
    public let bundle: X509PopCABundle

    public init(bundle: X509PopCABundle) {
        self.bundle = bundle
    }

    /// The verified leaf, or a ``JoinError`` (`accessDenied`) saying what is wrong with it.
    public func verify(_ chain: X509PopPayload, at time: Date) async throws -> VerifiedHostCertificate {
        let intermediates = CertificateStore(chain.certificates.dropFirst())
        var verifier = Verifier(rootCertificates: bundle.store) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            HostCertificatePolicy()
        }
        switch await verifier.validate(leaf: chain.leaf, intermediates: intermediates) {
        case .validCertificate:
            return try VerifiedHostCertificate(chain)
        case .couldNotValidate(let failures):
            throw await diagnose(chain, intermediates: intermediates, at: time, failures: failures)
        }
    }

    /// Why a refused chain was refused.
    private func diagnose(_ chain: X509PopPayload, intermediates: CertificateStore, at time: Date,
                          failures: [CertificateValidationResult.PolicyFailure]) async -> JoinError {
        let leaf = chain.leaf
        var timeless = Verifier(rootCertificates: bundle.store) {
            RFC5280Policy.withValidityCheckDisabled()
            DiagnosisOnlyPolicy()
        }
        guard case .validCertificate(let path) = await timeless.validate(leaf: leaf, intermediates: intermediates) else {
            return X509PopErrors.notIssuedByConfiguredCA(Self.describe(leaf.subject), issuer: Self.describe(leaf.issuer),
                                                         reason: Self.summary(of: failures))
        }
        for (index, certificate) in path.enumerated()
        where !(certificate.notValidBefore <= time && time <= certificate.notValidAfter) {
            let subject = Self.describe(certificate.subject)
            if index > 0 {
                return X509PopErrors.chainCertificateOutOfDate(subject, at: time, notValidBefore: certificate.notValidBefore,
                                                               notValidAfter: certificate.notValidAfter)
            }
            return time > certificate.notValidAfter
                ? X509PopErrors.certificateExpired(subject, at: time, notValidAfter: certificate.notValidAfter)
                : X509PopErrors.certificateNotYetValid(subject, at: time, notValidBefore: certificate.notValidBefore)
        }
        if let refusal = HostCertificatePolicy.refusal(of: leaf) {
            return X509PopErrors.hostCertificateRefused(Self.describe(leaf.subject), refusal)
        }
        return X509PopErrors.notIssuedByConfiguredCA(Self.describe(leaf.subject), issuer: Self.describe(leaf.issuer),
                                                     reason: Self.summary(of: failures))
    }

    /// A short, fixed wording of the RFC 5280 failures worth passing on. The verifier's own
    /// texts quote whole certificates the client sent, so they are not copied into messages.
    static func summary(of failures: [CertificateValidationResult.PolicyFailure]) -> String? {
        let reasons = failures.map { $0.policyFailureReason.description.lowercased() }
        if reasons.contains(where: { $0.contains("not marked as a ca") || $0.contains("basic constraints") || $0.contains("path length") }) {
            return "a certificate that issued another in the chain is not a CA (basicConstraints)"
        }
        if reasons.contains(where: { $0.contains("name constraint") || $0.contains("subtree") }) {
            return "the chain breaks a CA's name constraints"
        }
        return nil
    }

    /// A distinguished name for a message, `"CN=web-1,O=Example"`: cleaned as any client-chosen
    /// string is (the name may come from a certificate nothing vouches for), keeping only the
    /// `=` and `,` that make it readable as a name.
    static func describe(_ name: DistinguishedName) -> String {
        "\"\(UntrustedString.sanitizeVerified(String(describing: name)))\""
    }
}
