import Crypto
import Foundation
import JoinCore

/// The `tpm` method's messages, JSON with base64 bytes:
/// - in `ClientInit`: the EK (`ek_cert`, DER as read from NV, or `ek_key`, PKIX DER) and the
///   attestation key's `TPMT_PUBLIC` (`ak_public`);
/// - the challenge: `credential_blob` and `secret` (TPM2B, size prefixes included);
/// - the answer: `solution`, an HMAC-SHA-256 keyed with the activated credential over the
///   binding of the keys this join certifies — the credential itself never leaves the joiner,
///   and an answer is worth nothing for other keys (a relay that swapped them).
enum TPMMessages {
    static let maximumBytes = 16 * 1024
    static let solutionLabel = Data("joinery tpm activation v1\n".utf8)

    struct Init: Codable, Equatable {
        var ekCert: Data?
        var ekKey: Data?
        var akPublic: Data

        enum CodingKeys: String, CodingKey { case ekCert = "ek_cert", ekKey = "ek_key", akPublic = "ak_public" }
    }

    struct Challenge: Codable, Equatable {
        var credentialBlob: Data
        var secret: Data

        enum CodingKeys: String, CodingKey { case credentialBlob = "credential_blob", secret }
    }

    struct Solution: Codable, Equatable {
        var solution: Data
    }

    /// What the joiner answers with, for the credential it activated.
    static func solution(credential: Data, keyBinding: KeyBinding) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: solutionLabel + keyBinding.bytes, using: SymmetricKey(data: credential)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws -> T {
        guard data.count <= maximumBytes else {
            throw JoinError.badParameter("the tpm \(what) is \(data.count) bytes; the limit is \(maximumBytes)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw JoinError.badParameter("the tpm \(what) is not the JSON this method expects")
        }
    }
}
