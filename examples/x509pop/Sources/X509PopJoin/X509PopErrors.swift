import Foundation
import JoinCore

/// Every message the `x509pop` method fails with, in one place so the README can list them and
/// an operator can search for them. Each starts with `x509pop:` and says what to do next.
///
/// Failed proofs are `accessDenied`; bytes that are not what the method's formats allow, and
/// bad configuration, are `badParameter`. Certificate details in messages come from
/// certificates that were parsed (and, for chain failures, presented by the client), so they
/// go through `UntrustedString.sanitize`; none of them is a secret. Private keys never appear.
public enum X509PopErrors {
    static let prefix = "x509pop: "

    // MARK: Configuration (either side)

    static func settings(_ message: String) -> JoinError {
        .badParameter(prefix + message)
    }

    static func file(_ path: String, setting: String, _ problem: String) -> JoinError {
        .badParameter(prefix + "\(setting): \(path) \(problem)")
    }

    // MARK: The token's spec.x509pop

    static func tokenSection(_ message: String) -> JoinError {
        .badParameter(message)
    }

    // MARK: The payload and the challenge answer

    /// The initial payload is not a certificate chain in the format of ``X509PopPayload``.
    public static func malformedPayload(_ reason: String) -> JoinError {
        .badParameter(prefix + "malformed payload: \(reason); the joining host must run the x509pop plugin "
            + "(payload format version \(X509PopPayload.version)) with method: x509pop")
    }

    /// The solution is not a DER ECDSA signature.
    public static let malformedSignature = JoinError.accessDenied(
        prefix + "malformed challenge answer: expected a DER-encoded ECDSA P-256 signature")

    /// The solution is a signature, but not by the certificate's key over this challenge.
    public static func signatureDoesNotVerify(fingerprint: String) -> JoinError {
        .accessDenied(prefix + "the challenge signature does not verify with the key of the host certificate "
            + "(SHA-256 \(fingerprint)); private_key_path must hold that certificate's key")
    }

    // MARK: The host certificate

    public static func certificateExpired(_ subject: String, at date: Date, notValidAfter: Date) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) expired at \(RFC3339.format(notValidAfter)) "
            + "(checked at \(RFC3339.format(date))); issue a new certificate from the CA and point certificate_path at it")
    }

    public static func certificateNotYetValid(_ subject: String, at date: Date, notValidBefore: Date) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) is not valid until \(RFC3339.format(notValidBefore)) "
            + "(checked at \(RFC3339.format(date))); check the certificate's dates and both machines' clocks")
    }

    public static func chainCertificateOutOfDate(_ subject: String, at date: Date, notValidBefore: Date, notValidAfter: Date) -> JoinError {
        .accessDenied(prefix + "the CA certificate \(subject) in the host's chain is not valid at \(RFC3339.format(date)) "
            + "(valid from \(RFC3339.format(notValidBefore)) to \(RFC3339.format(notValidAfter))); renew it, "
            + "then update ca_bundle_path or the chain in certificate_path")
    }

    public static func notIssuedByConfiguredCA(_ subject: String, issuer: String, reason: String?) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) (issued by \(issuer)) is not issued by a CA in the Auth server's "
            + "ca_bundle_path" + (reason.map { " (\($0))" } ?? "")
            + "; issue it from that CA, include any intermediate CA certificates after the leaf in certificate_path, "
            + "or add its CA to the bundle")
    }

    public static func hostCertificateRefused(_ subject: String, _ reason: String) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) \(reason)")
    }

    public static func ambiguousCommonName(_ subject: String) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) has more than one common name; "
            + "issue it with exactly one so spec.x509pop.allow can match it")
    }

    public static func missingCommonName(_ subject: String, token: String) -> JoinError {
        .accessDenied(prefix + "the host certificate \(subject) has no common name, and token \(token) allows only the "
            + "common names in spec.x509pop.allow; issue the certificate with an allowed common name")
    }

    public static func commonNameNotAllowed(_ commonName: String, token: String) -> JoinError {
        .accessDenied(prefix + "the host certificate's common name \"\(UntrustedString.sanitize(commonName))\" is not allowed "
            + "by spec.x509pop.allow of token \(token); ask the cluster's operator to add a rule, or use a certificate "
            + "with an allowed common name")
    }

    // MARK: The joining host

    public static func challengeForAnotherCertificate(expected: String, got: String) -> JoinError {
        .accessDenied(prefix + "the Auth server asked for a signature for certificate SHA-256 \(got), "
            + "but this host sent \(expected); refusing to sign")
    }

    public static func malformedChallenge(_ reason: String) -> JoinError {
        .badParameter(prefix + "unexpected challenge from the Auth server (\(reason)); are both sides running the same "
            + "x509pop plugin version?")
    }
}
