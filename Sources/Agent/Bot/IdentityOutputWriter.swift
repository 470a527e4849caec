import Foundation
import JoinCore

/// Writes a bot's identity into an output directory in the layout Teleport's `identity`
/// output uses, so tools configured for tbot find their files:
///
/// | file | content |
/// |---|---|
/// | `key` | the private key, PEM |
/// | `key.pub` | its public half, authorized_keys |
/// | `key-cert.pub` | the SSH user certificate, one line |
/// | `sshcacerts` | the SSH user CA keys as `cert-authority` lines |
/// | `tlscert` | the X.509 certificate, PEM |
/// | `tlscacerts` | the cluster's CA certificates, PEM bundle |
/// | `identity` | all of the above in one file (key, SSH certificate, TLS certificate, CAs) |
///
/// Every file is mode 0600 and replaced whole (write, sync, rename), in a 0700 directory:
/// a program reading during a renewal sees the old file or the new, never half of one. The
/// directory is opened as ``SecureDirectory``: a symbolic link anywhere in its path or in
/// place of any of these files, or a directory owned by another user, is refused before any
/// file is written.
public struct IdentityOutputWriter: Sendable {
    public static let fileNames = ["key", "key.pub", "key-cert.pub", "sshcacerts", "tlscert", "tlscacerts", "identity"]

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func write(_ identity: BotIdentity) throws {
        let files = try Self.files(for: identity)
        let destination = try SecureDirectory(opening: directory, mode: 0o700)
        // Every file is checked first, so a refused one leaves the whole output as it was.
        for (name, _) in files { try destination.checkReplaceable(name) }
        for (name, content) in files {
            try destination.write(Data(content.utf8), named: name, mode: 0o600)
        }
    }

    /// The files' names and contents, in ``fileNames`` order.
    static func files(for identity: BotIdentity) throws -> [(String, String)] {
        let certificate = try SSHCertificate(authorizedKey: identity.sshCertificate)
        let key = line(identity.privateKeyPEM)
        let sshCertificate = line(identity.sshCertificate)
        let sshCAs = identity.sshCAKeys.map { line("cert-authority \($0)") }.joined()
        let tlsCertificate = line(identity.tlsCertificatePEM)
        let tlsCAs = identity.tlsCACertificatesPEM.map(line).joined()
        return [
            ("key", key),
            ("key.pub", line(certificate.publicKey.authorizedKey)),
            ("key-cert.pub", sshCertificate),
            ("sshcacerts", sshCAs),
            ("tlscert", tlsCertificate),
            ("tlscacerts", tlsCAs),
            ("identity", key + sshCertificate + tlsCertificate + tlsCAs + sshCAs),
        ]
    }

    /// `text` ending in exactly one newline.
    private static func line(_ text: String) -> String {
        var trimmed = Substring(text)
        while trimmed.last?.isNewline == true { trimmed = trimmed.dropLast() }
        return trimmed + "\n"
    }
}
