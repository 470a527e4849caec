import Foundation
import JWTKit
import JoinCore

/// One public key of an issuer, from its JWKS, with the algorithms it may verify.
///
/// A key verifies only the algorithms its type and curve allow, and only its own `alg` when the
/// JWK names one: an RSA key never checks an ES256 token, and a key published for RS256 never
/// checks a PS256 one. The key is read when the set is read; the signature is checked by
/// jwt-kit with a verifier made for the token's algorithm.
public struct VerificationKey: Sendable {
    enum Material: Sendable {
        case rsa(Insecure.RSA.PublicKey)
        case p256(ES256PublicKey)
        case p384(ES384PublicKey)
        case ed25519(EdDSA.PublicKey)
    }

    /// The JWK's `kid`; nil when the issuer gave none.
    public let keyID: String?
    public let algorithms: Set<SigningAlgorithm>
    let material: Material

    /// Reads one JWK. Returns nil for keys that are not for signatures (`use` other than `sig`)
    /// or of a type no allowed algorithm uses; throws for a signing key that is malformed.
    init?(jwk fields: [String: JSONValue]) throws {
        keyID = fields["kid"]?.stringValue
        if let use = fields["use"]?.stringValue, use != "sig" { return nil }
        var named: SigningAlgorithm?
        if let alg = fields["alg"]?.stringValue {
            // A key for an algorithm we never accept (HS256, RSA-OAEP) is not ours to use.
            guard let known = SigningAlgorithm(rawValue: alg) else { return nil }
            named = known
        }
        let keyType = fields["kty"]?.stringValue
        let curve = fields["crv"]?.stringValue
        let candidates = SigningAlgorithm.allCases.filter { algorithm in
            algorithm.keyType == keyType && (algorithm.curve == nil || algorithm.curve == curve)
                && (named == nil || named == algorithm)
        }
        guard let first = candidates.first else { return nil }
        algorithms = Set(candidates)
        material = try Self.material(first, fields: fields, keyID: keyID)
    }

    /// Whether `signature` over `input` was made by this key with `algorithm`.
    func verifies(_ signature: [UInt8], over input: [UInt8], with algorithm: SigningAlgorithm) async -> Bool {
        guard algorithms.contains(algorithm) else { return false }
        let collection = JWTKeyCollection()
        switch (material, algorithm) {
        case (.rsa(let key), .rs256): await collection.add(rsa: key, digestAlgorithm: .sha256)
        case (.rsa(let key), .rs384): await collection.add(rsa: key, digestAlgorithm: .sha384)
        case (.rsa(let key), .rs512): await collection.add(rsa: key, digestAlgorithm: .sha512)
        case (.rsa(let key), .ps256): await collection.add(pss: key, digestAlgorithm: .sha256)
        case (.p256(let key), .es256): await collection.add(ecdsa: key)
        case (.p384(let key), .es384): await collection.add(ecdsa: key)
        case (.ed25519(let key), .edDSA): await collection.add(eddsa: key)
        default: return false
        }
        guard let verifier = try? await collection.getKey() else { return false }
        return (try? verifier.verify(signature, signs: input)) ?? false
    }

    private static func material(_ algorithm: SigningAlgorithm, fields: [String: JSONValue], keyID: String?) throws -> Material {
        func part(_ name: String) throws -> String {
            guard let value = fields[name]?.stringValue, !value.isEmpty else {
                throw JoinError.badParameter("key \(UntrustedString.quoted(keyID ?? "(no kid)")) has no \"\(name)\"")
            }
            return value
        }
        do {
            switch algorithm {
            case .rs256, .rs384, .rs512, .ps256:
                return .rsa(try Insecure.RSA.PublicKey(modulus: try part("n"), exponent: try part("e")))
            case .es256:
                return .p256(try ES256PublicKey(parameters: (try part("x"), try part("y"))))
            case .es384:
                return .p384(try ES384PublicKey(parameters: (try part("x"), try part("y"))))
            case .edDSA:
                return .ed25519(try EdDSA.PublicKey(x: try part("x"), curve: .ed25519))
            }
        } catch let error as JoinError {
            throw error
        } catch {
            throw JoinError.badParameter("key \(UntrustedString.quoted(keyID ?? "(no kid)")) is not a valid \(algorithm.keyType) key: \(error)")
        }
    }
}
