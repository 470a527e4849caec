import Foundation
import JoinCore

/// A static bound keypair (Teleport 18.8): a private key kept outside the client's storage — in
/// a file, or base64 in `TBOT_BOUND_KEYPAIR_STATIC_KEY` — for clients without lasting storage.
/// Its public half is registered as the token's `initial_public_key`, and the token must use
/// the `insecure` recovery mode: the client keeps no join state, and its key never rotates.
///
/// The key is a PEM private key (PKCS#8 Ed25519 or ECDSA P-256), as `tbot keypair create
/// --static` writes it. Errors name where the key came from, never its bytes.
struct StaticBoundKey: Sendable {
    let key: JWSPrivateKey
    /// Where the key came from, for messages: a path or the environment variable.
    let origin: String

    init(path: String, field: String) throws {
        let pem: String
        do {
            pem = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        } catch {
            throw JoinError.badParameter("\(field): cannot read the static key file \(path): \(FileErrorText.reason(error))")
        }
        do {
            key = try JWSPrivateKey(pem: pem)
        } catch {
            throw JoinError.badParameter("\(field): \(path) is not a PEM Ed25519 or ECDSA P-256 private key")
        }
        origin = path
    }

    init(base64PEM: String, variable: String) throws {
        guard let data = Data(base64Encoded: base64PEM.trimmingCharacters(in: .whitespacesAndNewlines)),
              let parsed = try? JWSPrivateKey(pem: String(decoding: data, as: UTF8.self)) else {
            throw JoinError.badParameter(
                "\(variable) must hold a base64-encoded PEM Ed25519 or ECDSA P-256 private key (as `tbot keypair create --static --format=json` prints it)")
        }
        key = parsed
        origin = variable
    }

    static let rotationRefused = JoinError.badParameter(
        "bound_keypair: the Auth server asked to rotate this client's key, but static bound keypairs do not support automatic "
            + "rotation; clear the token's rotate_after, or replace the static key and its initial_public_key by hand")
}
