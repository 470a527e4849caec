import Crypto
import Foundation
import JoinCore
import JoineryProto

/// The public keys a test client asks to have certified, with their ``KeyBinding``: a prover
/// answering through the real pipeline must be told the binding of the keys in the `ClientInit`
/// the pipeline receives, as the join client does.
public struct JoinTestKeys: Sendable {
    /// `ClientInit.*_params.public_keys`.
    public let publicKeys: Joinery_V1_PublicKeys

    /// Fresh keys: Ed25519 for SSH and P-256 for TLS, as a node generates them.
    public init() {
        publicKeys = .with {
            $0.publicTlsKey = P256.Signing.PrivateKey().publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
        }
    }

    /// The binding the pipeline computes for these keys.
    public var binding: KeyBinding {
        KeyBinding(sshPublicKey: publicKeys.publicSshKey, tlsPublicKey: publicKeys.publicTlsKey)
    }

    /// What a prover is told for a join presenting these keys.
    public func proof(token: String, role: SystemRole, nodeName: String = "") -> ProofRequest {
        ProofRequest(tokenName: token, role: role, nodeName: nodeName, keyBinding: binding)
    }
}
