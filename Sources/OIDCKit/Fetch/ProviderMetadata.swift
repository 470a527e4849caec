import Foundation
import JoinCore

/// The part of an issuer's OpenID discovery document (`/.well-known/openid-configuration`)
/// that join methods use: who the issuer says it is, and where its keys are.
struct ProviderMetadata: Sendable, Equatable {
    static let maximumBytes = 64 * 1024

    let issuer: String
    let jwksURL: URL

    /// The discovery document's address for `issuer` (OpenID Connect Discovery §4).
    static func discoveryURL(for issuer: String) -> URL? {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return URL(string: base + "/.well-known/openid-configuration")
    }

    /// Reads a discovery document for `expectedIssuer`; its `issuer` must be exactly that
    /// (discovery §4.3), or an attacker who controls one path could speak for another issuer.
    init(document bytes: [UInt8], expectedIssuer: String, allowsHTTP: Bool = false) throws {
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw JoinError.unavailable("the OIDC discovery document of \(expectedIssuer) is not a JSON object")
        }
        guard let issuer = fields["issuer"]?.stringValue else {
            throw JoinError.unavailable("the OIDC discovery document of \(expectedIssuer) has no \"issuer\"")
        }
        guard issuer == expectedIssuer else {
            throw JoinError.unavailable("the OIDC discovery document fetched for \(expectedIssuer) names another issuer, \(UntrustedString.quoted(issuer)); check the issuer URL in the token")
        }
        guard let text = fields["jwks_uri"]?.stringValue, let url = URL(string: text),
              url.scheme?.lowercased() == "https" || (allowsHTTP && url.scheme?.lowercased() == "http") else {
            throw JoinError.unavailable("the OIDC discovery document of \(expectedIssuer) has no https:// \"jwks_uri\"")
        }
        self.issuer = issuer
        jwksURL = url
    }
}
