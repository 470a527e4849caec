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

    private static func instructions(_ line: String) -> String {
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
        \t      mode: standard
        \t      limit: 1

        """
    }
}
