import Foundation
import JoinCore

/// A compact JWS split into its parts and decoded, before anything about it is trusted.
///
/// Only the shape is checked here: three base64url parts, a JSON object header naming an
/// allowed algorithm and no critical extensions, a JSON object payload. The signature and the
/// claims are checked by ``IDTokenVerifier``.
public struct UnverifiedIDToken: Sendable {
    /// The largest token accepted. CI platforms' tokens are 1–3 KiB.
    public static let maximumBytes = 16 * 1024

    public let algorithm: SigningAlgorithm
    /// The header's `kid`, when it has one.
    public let keyID: String?
    /// The payload's claims, as the issuer wrote them.
    public let claims: [String: JSONValue]
    /// `header.payload`, the bytes the signature covers.
    let signingInput: [UInt8]
    let signature: [UInt8]

    public init(_ text: String) throws {
        guard text.utf8.count <= Self.maximumBytes else {
            throw JoinError.badParameter("the ID token is \(text.utf8.count) bytes; the most accepted is \(Self.maximumBytes)")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw JoinError.badParameter("the ID token is not a compact JWS (expected three dot-separated parts, found \(parts.count))")
        }
        let header = try Self.object(parts[0], part: "header")
        guard case .string(let alg)? = header["alg"] else {
            throw JoinError.badParameter("the ID token's header has no \"alg\"")
        }
        algorithm = try SigningAlgorithm(headerValue: alg)
        if header["crit"] != nil {
            throw JoinError.accessDenied("the ID token's header has critical extensions (\"crit\"), which are not supported")
        }
        switch header["kid"] {
        case nil, .null?: keyID = nil
        case .string(let kid)?: keyID = kid
        default: throw JoinError.badParameter("the ID token's header \"kid\" is not a string")
        }
        claims = try Self.object(parts[1], part: "payload")
        guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else {
            throw JoinError.badParameter("the ID token's signature is empty or not base64url")
        }
        self.signature = Array(signature)
        signingInput = Array(text.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
    }

    static func object(_ part: Substring, part name: String) throws -> [String: JSONValue] {
        guard let bytes = Base64URL.decode(part) else {
            throw JoinError.badParameter("the ID token's \(name) is not base64url")
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: bytes) else {
            throw JoinError.badParameter("the ID token's \(name) is not a JSON object")
        }
        return object
    }
}
