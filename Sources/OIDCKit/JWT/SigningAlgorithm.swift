import JoinCore

/// The JWS algorithms an ID token may be signed with. Everything else is refused by name:
/// `none` (no signature at all) and the HMAC family (an issuer's published key is public, so
/// a token "signed" with it proves nothing).
public enum SigningAlgorithm: String, Sendable, CaseIterable, Hashable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case es256 = "ES256"
    case es384 = "ES384"
    case edDSA = "EdDSA"

    /// The algorithm a token's header names.
    ///
    /// - Throws: `JoinError.accessDenied` for `none`, HMAC and unknown algorithms.
    public init(headerValue: String) throws {
        if let known = SigningAlgorithm(rawValue: headerValue) {
            self = known
            return
        }
        let shown = UntrustedString.quoted(headerValue, limit: 20)
        if headerValue.lowercased() == "none" {
            throw JoinError.accessDenied("the ID token is not signed (alg \(shown)); unsigned tokens are never accepted")
        }
        if headerValue.uppercased().hasPrefix("HS") {
            throw JoinError.accessDenied("the ID token is signed with HMAC (alg \(shown)); an issuer's keys are public, so HMAC tokens are never accepted")
        }
        throw JoinError.accessDenied("the ID token's signing algorithm \(shown) is not supported; supported: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    /// The JWK key type (`kty`) this algorithm needs.
    var keyType: String {
        switch self {
        case .rs256, .rs384, .rs512, .ps256: return "RSA"
        case .es256, .es384: return "EC"
        case .edDSA: return "OKP"
        }
    }

    /// The curve (`crv`) this algorithm needs, for elliptic-curve keys.
    var curve: String? {
        switch self {
        case .es256: return "P-256"
        case .es384: return "P-384"
        case .edDSA: return "Ed25519"
        default: return nil
        }
    }
}
