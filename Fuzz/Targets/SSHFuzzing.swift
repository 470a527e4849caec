import Foundation
import JoinCore

/// SSH public keys, certificates and signatures: the wire form a joining process sends in
/// `HostParams.public_keys.public_ssh_key` and the Auth server returns in `ssh_cert` and
/// `ssh_ca_keys`, and the text forms (authorized_keys lines, OpenSSH private key files).
enum SSHFuzzing {
    /// Wire blobs: public key, certificate (and its signature check), signature.
    static let wire = FuzzTarget("ssh-wire", maximumLength: 4096) { bytes in
        _ = try? SSHPublicKey(wireBytes: bytes)
        if let certificate = try? SSHCertificate(wireBytes: bytes) {
            _ = certificate.isSigned(by: [certificate.signatureKey])
            _ = certificate.isValid(at: Date(timeIntervalSince1970: 1_700_000_000))
            _ = certificate.authorizedKey
        }
        _ = try? SSHSignature(wireBytes: bytes)
    }

    /// Text: authorized_keys lines for keys and certificates, OpenSSH private key files.
    static let text = FuzzTarget("ssh-text", maximumLength: 8192) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let key = try? SSHPublicKey(authorizedKey: text) {
            _ = key.fingerprint
            _ = try? JWSPublicKey(key)
        }
        _ = try? SSHCertificate(authorizedKey: text)
        _ = try? OpenSSHPrivateKeyFile.decode(text)
    }
}
