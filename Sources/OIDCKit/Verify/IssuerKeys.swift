/// Where the keys that verify one issuer's tokens come from.
public enum IssuerKeys: Sendable {
    /// Fetched through the issuer's OpenID discovery over `OIDCHTTPClient`, kept in the cache.
    case discovered(KeySetCache, OIDCHTTPClient)
    /// Given in the token (`static_jwks`), for issuers the Auth server cannot reach.
    case fixed(KeySet)
}

/// Whom a join method trusts for one token: the issuer, how its keys are found, and the
/// audience its tokens must be minted for.
public struct IssuerTrust: Sendable {
    /// Exactly as the tokens' `iss` claim must read.
    public var issuer: String
    public var keys: IssuerKeys
    public var audience: String
    /// Whether `iss` is checked; only fixed keys may be trusted without it.
    public var checksIssuer: Bool

    public init(issuer: String, keys: IssuerKeys, audience: String, checksIssuer: Bool = true) {
        self.issuer = issuer
        self.keys = keys
        self.audience = audience
        if case .fixed = keys { self.checksIssuer = checksIssuer } else { self.checksIssuer = true }
    }
}
