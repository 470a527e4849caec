import Crypto
import Foundation
import JWTKit
import JoinCore

/// One proof-of-possession challenge for a bound key (spec §8.4): a JWT claims document the
/// client must sign, verbatim, as a compact JWS with the private key.
///
/// The document carries `key_binding`, the ``KeyBinding`` of the keys in this join's
/// `ClientInit`: the client signs only a document that names the binding of the keys it
/// generated, and the server accepts only a signature over the binding it computed, so a relay
/// that swapped the keys cannot have the bot's signature count for its own.
///
/// The document lives only for this join's stream, so nothing is stored: ``validate(_:now:)``
/// checks the signature with jwt-kit against the one expected key, then requires the signed
/// claims to be exactly the issued ones. Every failure has a reason for the audit facts; the
/// client only ever learns "failed to complete challenge".
struct KeyChallenge: Sendable {
    /// How far the checker's clock may be past `exp` or before `nbf`.
    static let leeway: TimeInterval = 60
    static let lifetime: Int64 = 60
    static let notBeforeSkew: Int64 = 10

    let key: JWSPublicKey
    let clusterName: String
    let claims: ChallengeClaims
    /// The document sent to the client; the client signs these bytes.
    let document: String

    /// A fresh challenge for `key` at `now`: `iss` = `aud` = the cluster, `sub` = the key ID,
    /// `key_binding` = the binding of the keys this join certifies.
    init(key: JWSPublicKey, clusterName: String, keyBinding: KeyBinding, now: Date) throws {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        self.key = key
        self.clusterName = clusterName
        self.claims = ChallengeClaims(
            iss: clusterName, sub: key.keyID, aud: .one(clusterName), iat: issuedAt,
            nbf: issuedAt - Self.notBeforeSkew, exp: issuedAt + Self.lifetime, nonce: RandomHex.make(bytes: 16),
            keyBinding: keyBinding.text)
        self.document = String(decoding: try BoundKeypairMessages.encode(claims), as: UTF8.self)
    }

    /// Why a solution was refused; the text is for audit facts and logs, never for the client.
    struct Failure: Error, Equatable {
        let reason: String
        /// The signature is good but covers other keys than this join's: worth telling the client.
        var keysReplaced = false
    }

    /// Checks that `solution` is this challenge signed by ``key``; throws ``Failure``.
    func validate(_ solution: String, now: Date) async throws {
        let jws: CompactJWS
        do {
            jws = try CompactJWS(parsing: solution)
        } catch let error as JoinError {
            throw Failure(reason: error.message)
        }
        guard jws.algorithm == key.algorithm else {
            throw Failure(reason: "the solution is signed with algorithm \(UntrustedString.sanitize(jws.algorithm ?? "none")), expected \(key.algorithm)")
        }
        let signed: ChallengeClaims
        do {
            signed = try await Self.keyCollection(for: key).verify(solution, as: ChallengeClaims.self)
        } catch {
            throw Failure(reason: "the solution's signature does not verify with the bound key")
        }
        try checkClaims(signed, now: now)
    }

    private func checkClaims(_ signed: ChallengeClaims, now: Date) throws {
        guard signed.iss == clusterName else { throw Failure(reason: "invalid issuer claim") }
        guard signed.sub == key.keyID else { throw Failure(reason: "invalid subject claim") }
        guard signed.aud.values.contains(clusterName) else { throw Failure(reason: "invalid audience claim") }
        let seconds = now.timeIntervalSince1970
        guard seconds <= Double(signed.exp) + Self.leeway else { throw Failure(reason: "the challenge has expired") }
        guard seconds >= Double(signed.nbf) - Self.leeway else { throw Failure(reason: "the challenge is not valid yet") }
        guard signed.iat == claims.iat, signed.exp == claims.exp, signed.nbf == claims.nbf else {
            throw Failure(reason: "invalid challenge document")
        }
        guard ConstantTime.equals(signed.nonce, claims.nonce) else { throw Failure(reason: "invalid nonce") }
        guard let signedBinding = signed.keyBinding.flatMap(KeyBinding.init(text:)),
              let issuedBinding = KeyBinding(text: claims.keyBinding ?? ""), signedBinding.matches(issuedBinding) else {
            throw Failure(reason: "the challenge was signed over key binding \(UntrustedString.sanitize(signed.keyBinding ?? "none")), "
                            + "not this join's \(claims.keyBinding ?? "none"): the keys in ClientInit were replaced", keysReplaced: true)
        }
    }

    /// A jwt-kit key collection holding only `key`, so nothing else can verify.
    private static func keyCollection(for key: JWSPublicKey) async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        switch key {
        case .ed25519(let publicKey):
            await keys.add(eddsa: EdDSA.PublicKey(backing: publicKey))
        case .p256(let publicKey):
            await keys.add(ecdsa: try ES256PublicKey(backing: publicKey))
        }
        return keys
    }
}

/// The claims of a challenge document. Times are whole seconds so the exact comparison with
/// the issued values cannot be defeated by floating-point rounding.
struct ChallengeClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: Audience
    var iat: Int64
    var nbf: Int64
    var exp: Int64
    var nonce: String
    /// ``KeyBinding/text`` of the keys the join certifies; optional only so that a document
    /// without it decodes and is refused with a reason.
    var keyBinding: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, iat, nbf, exp, nonce, keyBinding = "key_binding"
    }

    /// Claims are checked by ``KeyChallenge`` against the injected clock, not jwt-kit's.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A JWT `aud`: one string or a list (RFC 7519 §4.1.3).
enum Audience: Codable, Equatable, Sendable {
    case one(String)
    case many([String])

    var values: [String] {
        switch self {
        case .one(let value): return [value]
        case .many(let values): return values
        }
    }

    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let value = try? single.decode(String.self) {
            self = .one(value)
        } else {
            self = .many(try single.decode([String].self))
        }
    }

    func encode(to encoder: Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .one(let value): try single.encode(value)
        case .many(let values): try single.encode(values)
        }
    }
}
