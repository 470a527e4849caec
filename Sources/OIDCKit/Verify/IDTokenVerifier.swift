import Foundation
import JoinCore

/// Checks an ID token against the issuer a join token trusts: signature (by a key the issuer
/// publishes, with the algorithm that key is for), issuer, audience, and times.
///
/// The issuer and its keys always come from the join token, never from the ID token, so a
/// token cannot point the Auth server at a key set of its choosing.
public struct IDTokenVerifier: Sendable {
    public let policy: TokenTimePolicy

    public init(policy: TokenTimePolicy = .standard) {
        self.policy = policy
    }

    /// - Throws: `JoinError.accessDenied` (or `badParameter` for a malformed token) saying
    ///   which check failed; `unavailable` when the issuer's keys cannot be had.
    public func verify(_ text: String, trust: IssuerTrust, now: Date) async throws -> VerifiedClaims {
        let token = try UnverifiedIDToken(text)
        try await checkSignature(token, trust: trust)
        let claims = VerifiedClaims(issuer: trust.issuer, all: token.claims)
        if trust.checksIssuer { try checkIssuer(token.claims, trust: trust) }
        try checkAudience(token.claims, audience: trust.audience)
        try checkTimes(token.claims, now: now)
        return claims
    }

    private func checkSignature(_ token: UnverifiedIDToken, trust: IssuerTrust) async throws {
        var keys: KeySet
        switch trust.keys {
        case .fixed(let fixed):
            keys = fixed
        case .discovered(let cache, let http):
            keys = try await cache.keys(issuer: trust.issuer, http: http)
            if let keyID = token.keyID, !keys.contains(keyID: keyID) {
                keys = try await cache.keys(issuer: trust.issuer, http: http, afterUnknownKey: keyID)
            }
        }
        let candidates = keys.candidates(keyID: token.keyID, algorithm: token.algorithm)
        guard !candidates.isEmpty else {
            if let keyID = token.keyID {
                if keys.contains(keyID: keyID) {
                    throw JoinError.accessDenied("the ID token is signed with \(token.algorithm.rawValue), which the issuer's key \(UntrustedString.quoted(keyID, limit: 64)) is not for")
                }
                throw JoinError.accessDenied("the ID token is signed by key \(UntrustedString.quoted(keyID, limit: 64)), which the issuer \(trust.issuer) does not publish")
            }
            throw JoinError.accessDenied("the ID token names no key (no \"kid\"), and no key of the issuer \(trust.issuer) is for \(token.algorithm.rawValue)")
        }
        for key in candidates where await key.verifies(token.signature, over: token.signingInput, with: token.algorithm) {
            return
        }
        throw JoinError.accessDenied("the ID token's signature does not verify with the \(token.algorithm.rawValue) key\(token.keyID.map { " \(UntrustedString.quoted($0, limit: 64))" } ?? "s") of the issuer \(trust.issuer)")
    }

    private func checkIssuer(_ claims: [String: JSONValue], trust: IssuerTrust) throws {
        guard case .string(let issuer)? = claims["iss"] else {
            throw JoinError.accessDenied("the ID token has no \"iss\" claim")
        }
        guard issuer == trust.issuer else {
            throw JoinError.accessDenied("the ID token was issued by \(UntrustedString.quoted(issuer)), not by \(trust.issuer), the issuer this join token trusts")
        }
    }

    private func checkAudience(_ claims: [String: JSONValue], audience: String) throws {
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.stringValue)
        default: throw JoinError.accessDenied("the ID token has no \"aud\" claim")
        }
        guard audiences.contains(audience) else {
            throw JoinError.accessDenied("the ID token's audience \(UntrustedString.quoted(audiences.joined(separator: ", "))) is not \(UntrustedString.quoted(audience)), the audience this join token expects; mint the ID token for \(UntrustedString.quoted(audience))")
        }
    }

    private func checkTimes(_ claims: [String: JSONValue], now: Date) throws {
        func time(_ name: String) throws -> Date? {
            switch claims[name] {
            case nil, .null?: return nil
            case .number(let seconds)?: return Date(timeIntervalSince1970: seconds)
            default: throw JoinError.accessDenied("the ID token's \"\(name)\" claim is not a number")
            }
        }
        let skew = policy.clockSkew
        guard let expiry = try time("exp") else {
            throw JoinError.accessDenied("the ID token has no \"exp\" claim; tokens that never expire are not accepted")
        }
        guard now < expiry.addingTimeInterval(skew) else {
            throw JoinError.accessDenied("the ID token expired at \(RFC3339.format(expiry)); fetch a new one")
        }
        if let notBefore = try time("nbf"), now < notBefore.addingTimeInterval(-skew) {
            throw JoinError.accessDenied("the ID token is not valid before \(RFC3339.format(notBefore)); check the clocks of the issuer and the Auth server")
        }
        guard let issuedAt = try time("iat") else {
            throw JoinError.accessDenied("the ID token has no \"iat\" claim, so its age cannot be checked")
        }
        guard now >= issuedAt.addingTimeInterval(-skew) else {
            throw JoinError.accessDenied("the ID token was issued in the future (\(RFC3339.format(issuedAt))); check the clocks of the issuer and the Auth server")
        }
        guard now.timeIntervalSince(issuedAt) <= policy.maximumAge + skew else {
            throw JoinError.accessDenied("the ID token was issued at \(RFC3339.format(issuedAt)), more than \(policy.maximumAgeText) ago; fetch a new one")
        }
    }
}
