import Foundation
import JoinCore

/// What `tbot keypair create` prints on stdout (spec §8.10): for people, where to put the
/// public key and an example token that pre-registers it; for scripts, one JSON line
/// `{"public_key":"ssh-ed25519 AAAA…"}`.
///
/// The format is parsed before anything is generated, so a mistyped `--format` leaves the
/// storage untouched.
public enum KeypairOutput: String, Sendable, Equatable, CaseIterable {
    case text
    case json

    /// Parses `--format` (default `text`).
    public init(parsing text: String?) throws {
        let value = text ?? KeypairOutput.text.rawValue
        guard let format = KeypairOutput(rawValue: value.lowercased()) else {
            throw JoinError.badParameter("unsupported output format \(value); keypair has not been generated")
        }
        self = format
    }

    public func render(publicKey: SSHPublicKey) throws -> String {
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(["public_key": publicKey.authorizedKey]), as: UTF8.self) + "\n"
        case .text:
            return Self.instructions(publicKey.authorizedKey)
        }
    }

    /// What `--static` prints: the public key to register with the insecure mode, and the
    /// private key itself when it was not written to a file (JSON: base64 of its PEM, the form
    /// `TBOT_BOUND_KEYPAIR_STATIC_KEY` takes).
    public func render(static created: StaticKeypairCreation.Created) throws -> String {
        switch self {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var fields = ["public_key": created.publicKey.authorizedKey]
            if created.path == nil { fields["private_key"] = Data(created.privateKeyPEM.utf8).base64EncodedString() }
            return String(decoding: try encoder.encode(fields), as: UTF8.self) + "\n"
        case .text:
            var text = Self.instructions(created.publicKey.authorizedKey, recoveryMode: "insecure")
            text += "Note that you must also set 'spec.bound_keypair.recovery.mode' to 'insecure' to use static keys.\n"
            if let path = created.path {
                text += "The private key is in \(path.path).\n"
            } else {
                text += "\nThe static private key (keep it secret; for TBOT_BOUND_KEYPAIR_STATIC_KEY, base64-encode it):\n\n"
                    + created.privateKeyPEM
            }
            return text
        }
    }

    private static func instructions(_ line: String, recoveryMode: String = "standard") -> String {
        """
        To register the keypair with Teleport, include this public key in the token's
        `spec.bound_keypair.onboarding.initial_public_key`:

        \t\(line)

        An example token may look like:

        \tkind: token
        \tversion: v2
        \tmetadata:
        \t  name: example-token
        \tspec:
        \t  roles: [Bot]
        \t  bot_name: example-bot
        \t  join_method: bound_keypair
        \t  bound_keypair:
        \t    onboarding:
        \t      initial_public_key: "\(line)"
        \t    recovery:
        \t      mode: \(recoveryMode)
        \t      limit: 1

        """
    }
}
