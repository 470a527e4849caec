import Foundation
import JoinCore

/// The checks the SSH Service makes on a user certificate itself, before any policy is asked,
/// in the order `sshd` makes them for `TrustedUserCAKeys` (PROTOCOL.certkeys):
/// the CA is trusted and its signature verifies, the certificate is a user certificate, it is
/// valid at `now`, the requested login is one of its principals, and it carries no critical
/// option this server cannot enforce.
///
/// A pure function of (certificate, login, trusted keys, clock) so every refusal is testable
/// with real certificates and a frozen clock. The signature is checked first so that nothing
/// else in an unsigned certificate is believed, and a certificate without principals is
/// refused: OpenSSH treats an empty list as "any principal", which the cluster never means.
struct UserCertificateChecks: Sendable {
    var trustedCAKeys: [SSHPublicKey]

    /// Critical options this server enforces; none yet. `source-address` is refused as unknown
    /// (enforcing it needs CIDR matching against the real client address), as is `force-command`.
    static let enforcedCriticalOptions: Set<String> = []

    func check(_ certificate: SSHCertificate, login: String, at now: Date) throws(LoginRefusal) {
        guard trustedCAKeys.contains(certificate.signatureKey) else {
            throw LoginRefusal(
                "the certificate was signed by \(certificate.signatureKey.fingerprint), which is not a trusted user CA of this cluster")
        }
        guard certificate.isSignatureValid else {
            throw LoginRefusal("the certificate's CA signature does not verify")
        }
        let user = UntrustedString.sanitizeVerified(certificate.keyID)
        guard certificate.kind == .user else {
            throw LoginRefusal("the certificate is a \(certificate.kind) certificate, not a user certificate", user: user)
        }
        guard certificate.isValid(at: now) else {
            throw LoginRefusal(Self.validityProblem(certificate, at: now), user: user)
        }
        guard certificate.principals.contains(login) else {
            throw LoginRefusal(
                "login \(UntrustedString.sanitize(login)) is not among the certificate's principals (\(certificate.principals.map(UntrustedString.sanitizeVerified).joined(separator: ", ")))",
                user: user)
        }
        if let option = certificate.criticalOptions.first(where: { !Self.enforcedCriticalOptions.contains($0.name) }) {
            throw LoginRefusal(
                "the certificate carries critical option \(UntrustedString.sanitizeVerified(option.name)), which this SSH Service does not enforce",
                user: user)
        }
    }

    private static func validityProblem(_ certificate: SSHCertificate, at now: Date) -> String {
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        if seconds < certificate.validAfter {
            return "the certificate is not valid before \(Self.describe(certificate.validAfter))"
        }
        return "the certificate expired at \(Self.describe(certificate.validBefore))"
    }

    private static func describe(_ seconds: UInt64) -> String {
        seconds == .max ? "forever" : RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
