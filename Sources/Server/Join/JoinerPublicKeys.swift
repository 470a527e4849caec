import Foundation
import JoinCore

/// A joiner's public keys, checked and parsed once where they arrive (ClientInit, bot renewal),
/// then carried as they are to issuance.
///
/// Both keys must parse before any state changes: a join that fails only when signing would
/// already have spent a single-use token or a recovery.
package struct JoinerPublicKeys: Sendable {
    /// The key the SSH certificate is for.
    package let ssh: SSHPublicKey
    /// The key the X.509 certificate is for.
    package let tls: SubjectTLSPublicKey
    /// The binding of the keys, over the bytes exactly as sent, which methods with a live proof
    /// check their client's proof against (see ``KeyBinding``).
    package let binding: KeyBinding

    /// Parses SSH wire bytes and a DER SubjectPublicKeyInfo; refuses missing or unsupported keys.
    package init(sshWire: Data, tlsDER: Data) throws {
        guard !sshWire.isEmpty, !tlsDER.isEmpty else {
            throw JoinError.badParameter("both public_tls_key and public_ssh_key are required")
        }
        guard let ssh = try? SSHPublicKey(wireBytes: sshWire) else {
            throw JoinError.badParameter("public_ssh_key is not an SSH public key of a supported type (ssh-ed25519, ecdsa-sha2-nistp256)")
        }
        guard let tls = try? SubjectTLSPublicKey(derEncoded: Array(tlsDER)) else {
            throw JoinError.badParameter("public_tls_key is not a DER SubjectPublicKeyInfo of an ECDSA P-256 or Ed25519 key")
        }
        self.ssh = ssh
        self.tls = tls
        self.binding = KeyBinding(sshPublicKey: sshWire, tlsPublicKey: tlsDER)
    }
}
