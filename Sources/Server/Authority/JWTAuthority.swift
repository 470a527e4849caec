import Crypto
import Foundation
import JoinCore

/// The cluster's bound-keypair CA (DESIGN.md §3): an Ed25519 JWT signing key that signs join
/// states, plus every public key still trusted to verify them (several during a rotation).
///
/// Stored in the backend under `/authorities/bound_keypair` as JSON; created with the other
/// CAs on first start.
public struct JWTAuthority: ClusterJWTAuthority, Sendable {
    public let clusterName: String
    let activeKey: Curve25519.Signing.PrivateKey
    let trustedKeys: [JWSPublicKey]

    public init(clusterName: String, activeKey: Curve25519.Signing.PrivateKey, additionalTrusted: [JWSPublicKey] = []) {
        self.clusterName = clusterName
        self.activeKey = activeKey
        self.trustedKeys = [.ed25519(activeKey.publicKey)] + additionalTrusted.filter { $0 != .ed25519(activeKey.publicKey) }
    }

    /// A new authority with a fresh key.
    public static func generate(clusterName: String) -> JWTAuthority {
        JWTAuthority(clusterName: clusterName, activeKey: Curve25519.Signing.PrivateKey())
    }

    /// The key ID of the active key, as written in the `kid` header.
    public var activeKeyID: String { JWSPublicKey.ed25519(activeKey.publicKey).keyID }

    public func sign(claims: Data) throws -> String {
        try CompactJWS.sign(payload: claims, with: .ed25519(activeKey), keyID: activeKeyID)
    }

    public func verify(_ token: String) throws -> Data {
        let jws = try CompactJWS(parsing: token)
        guard let keyID = jws.keyID, !keyID.isEmpty else {
            throw JoinError.badParameter("the JWT header has no key ID (kid)")
        }
        guard let key = trustedKeys.first(where: { $0.keyID == keyID }) else {
            throw JoinError.accessDenied("join state could not be verified: it was not signed by this cluster")
        }
        guard jws.isSigned(by: key) else {
            throw JoinError.accessDenied("join state could not be verified: the signature is invalid")
        }
        return jws.payload
    }

    // MARK: Stored form

    struct Stored: Codable {
        var clusterName: String
        /// Raw Ed25519 private key, base64.
        var activeKey: String
        /// PKIX DER of other trusted public keys, base64.
        var additionalTrusted: [String]

        enum CodingKeys: String, CodingKey {
            case clusterName = "cluster_name", activeKey = "active_key", additionalTrusted = "additional_trusted"
        }
    }

    func encodedJSON() throws -> Data {
        let additional = trustedKeys.dropFirst().map { $0.pkixDER.base64EncodedString() }
        return try JSONEncoder().encode(Stored(
            clusterName: clusterName, activeKey: activeKey.rawRepresentation.base64EncodedString(),
            additionalTrusted: additional))
    }

    init(json: Data) throws {
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: json)
        } catch {
            throw JoinError.internalError("the stored bound-keypair CA could not be read: \(DecodingErrorDescription.describe(error))")
        }
        guard let raw = Data(base64Encoded: stored.activeKey),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw JoinError.internalError("the stored bound-keypair CA key is damaged")
        }
        let additional = stored.additionalTrusted.compactMap { Data(base64Encoded: $0) }.compactMap { der -> JWSPublicKey? in
            guard der.count == 44 else { return nil }
            return (try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))).map { .ed25519($0) }
        }
        self.init(clusterName: stored.clusterName, activeKey: key, additionalTrusted: additional)
    }
}
