import Foundation
import JoinCore

/// An issuer's published signing keys: a JWKS document, read once.
///
/// Keys that are not for signatures, or of a type no allowed algorithm uses, are skipped (an
/// issuer may publish encryption keys beside its signing keys); a signing key that cannot be
/// read makes the whole set unreadable, so a damaged document is noticed rather than half used.
public struct KeySet: Sendable {
    /// The largest JWKS document accepted.
    public static let maximumBytes = 256 * 1024

    public let keys: [VerificationKey]

    public init(keys: [VerificationKey]) {
        self.keys = keys
    }

    /// Reads a JWKS document (`{"keys": [...]}`).
    ///
    /// - Throws: `JoinError.badParameter` saying what is wrong with it.
    public init(jwks bytes: some Collection<UInt8>) throws {
        guard bytes.count <= Self.maximumBytes else {
            throw JoinError.badParameter("the JWKS is \(bytes.count) bytes; the most accepted is \(Self.maximumBytes)")
        }
        guard case .object(let document)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw JoinError.badParameter("the JWKS is not a JSON object")
        }
        guard case .array(let entries)? = document["keys"] else {
            throw JoinError.badParameter("the JWKS has no \"keys\" list")
        }
        var keys: [VerificationKey] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let fields) = entry else {
                throw JoinError.badParameter("the JWKS key at index \(index) is not a JSON object")
            }
            if let key = try VerificationKey(jwk: fields) { keys.append(key) }
        }
        guard !keys.isEmpty else {
            throw JoinError.badParameter("the JWKS has no signing key of a supported type (RSA, EC P-256/P-384, Ed25519)")
        }
        self.keys = keys
    }

    /// The keys that may have signed a token with `keyID` and `algorithm`: the key with that
    /// `kid`, or, for a token without one, every key that verifies `algorithm`.
    func candidates(keyID: String?, algorithm: SigningAlgorithm) -> [VerificationKey] {
        keys.filter { key in
            (keyID == nil || key.keyID == keyID) && key.algorithms.contains(algorithm)
        }
    }

    /// Whether a key with `keyID` is in the set, whatever its algorithms.
    func contains(keyID: String) -> Bool {
        keys.contains { $0.keyID == keyID }
    }
}
