import Crypto
import JoinCore
import NIOSSH

/// Loads the node's host key from the OpenSSH private-key format the join stores (identity.json
/// field `ssh_private_key`; Ed25519, unencrypted `-----BEGIN OPENSSH PRIVATE KEY-----`).
///
/// The parsing is JoinCore's ``OpenSSHPrivateKeyFile`` — the same code that wrote the file — so
/// the two cannot drift apart; this only wraps the key for swift-nio-ssh.
public enum SSHHostKeyLoader {
    public static func load(openSSHPrivateKey: String) throws -> NIOSSHPrivateKey {
        NIOSSHPrivateKey(ed25519Key: try OpenSSHPrivateKeyFile.decode(openSSHPrivateKey))
    }
}
