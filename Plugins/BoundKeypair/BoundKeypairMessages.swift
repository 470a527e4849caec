import Foundation
import JoinCore

/// The JSON payloads the `bound_keypair` halves exchange inside the core's method-defined
/// bytes (spec §8.3): the client's init, the server's challenge or rotation request, the
/// client's solution or new key, and the result.
///
/// Every message and every field is bounded before it is trusted; malformed JSON is a
/// `badParameter` naming the message. Unknown keys are ignored so that a newer peer can add
/// fields.
enum BoundKeypairMessages {
    /// The longest message accepted in either direction.
    static let maximumMessageBytes = 32 * 1024
    /// The longest authorized_keys line accepted (a P-256 line is under 200 characters).
    static let maximumPublicKeyLength = 1024
    /// The longest registration secret accepted.
    static let maximumSecretLength = 1024

    /// `ClientInit.method_payload`.
    struct Init: Codable, Equatable {
        /// Sent only while the client has no stored join state.
        var initialJoinSecret: String?
        var previousJoinState: String?

        enum CodingKeys: String, CodingKey {
            case initialJoinSecret = "initial_join_secret", previousJoinState = "previous_join_state"
        }

        func check() throws {
            try BoundKeypairMessages.bound(initialJoinSecret, maximumSecretLength, "initial_join_secret")
            try BoundKeypairMessages.bound(previousJoinState, CompactJWS.maximumLength, "previous_join_state")
        }
    }

    /// A server challenge: prove a key, or generate a new one.
    enum ServerChallenge: Equatable {
        /// Sign `challenge` (a JSON document, verbatim) with the private key of `publicKey`.
        case challenge(publicKey: String, challenge: String)
        /// Generate a key for `suite` and answer with its public key.
        case rotation(suite: String)
    }

    /// The client's answer to a ``ServerChallenge/challenge(publicKey:challenge:)``.
    struct Solution: Codable, Equatable {
        /// A compact JWS over the challenge document.
        var solution: String
    }

    /// The client's answer to a ``ServerChallenge/rotation(suite:)``.
    struct RotationResponse: Codable, Equatable {
        var publicKey: String

        enum CodingKeys: String, CodingKey { case publicKey = "public_key" }
    }

    /// `JoinResult.method_result`.
    struct Result: Codable, Equatable {
        var joinState: String
        /// The bound key the client must keep active.
        var publicKey: String

        enum CodingKeys: String, CodingKey { case joinState = "join_state", publicKey = "public_key" }
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes `data` as `T`, naming `what` in the error; an empty init payload reads as `{}`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws -> T {
        guard data.count <= maximumMessageBytes else {
            throw JoinError.badParameter("bound_keypair: the \(what) is larger than \(maximumMessageBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw JoinError.badParameter("bound_keypair: the \(what) is not valid: \(DecodingErrorDescription.describe(error))")
        }
    }

    static func bound(_ value: String?, _ limit: Int, _ field: String) throws {
        if let value, value.utf8.count > limit {
            throw JoinError.badParameter("bound_keypair: \(field) is longer than \(limit) bytes")
        }
    }
}

extension BoundKeypairMessages.ServerChallenge: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, publicKey = "public_key", challenge, suite = "signature_algorithm_suite"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "challenge":
            let publicKey = try c.decode(String.self, forKey: .publicKey)
            let challenge = try c.decode(String.self, forKey: .challenge)
            try BoundKeypairMessages.bound(publicKey, BoundKeypairMessages.maximumPublicKeyLength, "public_key")
            self = .challenge(publicKey: publicKey, challenge: challenge)
        case "rotation":
            self = .rotation(suite: try c.decodeIfPresent(String.self, forKey: .suite) ?? "")
        case let other:
            throw JoinError.badParameter("unknown challenge type \"\(UntrustedString.sanitize(other))\"")
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .challenge(let publicKey, let challenge):
            try c.encode("challenge", forKey: .type)
            try c.encode(publicKey, forKey: .publicKey)
            try c.encode(challenge, forKey: .challenge)
        case .rotation(let suite):
            try c.encode("rotation", forKey: .type)
            try c.encode(suite, forKey: .suite)
        }
    }
}
