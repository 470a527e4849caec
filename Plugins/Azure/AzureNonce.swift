import Crypto
import Foundation
import JoinCore

/// The nonce a VM asks IMDS to sign into its attested data: derived from the Auth server's
/// challenge and the ``JoinCore/KeyBinding`` of the keys this join certifies, so the signed
/// document is worth nothing to a relay that swapped the keys in `ClientInit` (the Auth
/// server derives the nonce from the keys it received). 24 bytes of
/// SHA-256("joinery azure nonce v1\n" ‖ challenge ‖ "\n" ‖ binding), base64url: 32
/// characters, the most IMDS takes.
enum AzureNonce {
    static let label = "joinery azure nonce v1\n"

    static func make(challenge: String, keyBinding: KeyBinding) -> String {
        let digest = SHA256.hash(data: Data((label + challenge + "\n" + keyBinding.text).utf8))
        return Base64URL.encode(Data(digest.prefix(24)))
    }

    /// A fresh challenge: 24 random bytes, base64url (32 characters).
    static func challenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode(Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// True for what ``challenge()`` makes: the prover checks before asking IMDS to sign.
    static func isWellFormed(_ text: String) -> Bool {
        text.count == 32 && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
