import Foundation

/// A compact JWS (`header.payload.signature`, RFC 7515), parsed strictly and bounded.
///
/// The payload is kept as the exact bytes that were signed: the bound-keypair client signs the
/// server's challenge document verbatim, so nothing here re-encodes JSON.
public struct CompactJWS: Sendable {
    /// The longest compact JWS accepted (challenge solutions and join states are far smaller).
    public static let maximumLength = 16 * 1024

    public let header: [String: JSONValue]
    public let payload: Data
    public let signature: Data
    /// `base64url(header) "." base64url(payload)`: the bytes the signature covers.
    public let signingInput: Data

    public var algorithm: String? { header["alg"]?.stringValue }
    public var keyID: String? { header["kid"]?.stringValue }

    public init(parsing text: String) throws {
        guard text.utf8.count <= CompactJWS.maximumLength else {
            throw JoinError.badParameter("JWS is longer than \(CompactJWS.maximumLength) bytes")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JoinError.badParameter("malformed JWS: expected three dot-separated parts") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else {
            throw JoinError.badParameter("malformed JWS: a part is not base64url")
        }
        guard case .object(let header)? = try? JSONDecoder().decode(JSONValue.self, from: headerBytes) else {
            throw JoinError.badParameter("malformed JWS: the header is not a JSON object")
        }
        self.header = header
        self.payload = payload
        self.signature = signature
        self.signingInput = Data(parts[0].utf8) + Data(".".utf8) + Data(parts[1].utf8)
    }

    /// Signs `payload` verbatim with `key`; the header has `alg`, `typ: JWT` and, when given, `kid`.
    public static func sign(payload: Data, with key: JWSPrivateKey, keyID: String? = nil) throws -> String {
        var header = "{\"alg\":\"\(key.publicKey.algorithm)\",\"typ\":\"JWT\""
        if let keyID { header += ",\"kid\":\"\(keyID)\"" }
        header += "}"
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// True when the header's `alg` is `key`'s algorithm and the signature verifies with it.
    public func isSigned(by key: JWSPublicKey) -> Bool {
        algorithm == key.algorithm && key.isValidSignature(signature, for: signingInput)
    }
}
