import JoinCore
import OIDCKit

/// The `generic_oidc` join method (Teleport's): any OIDC issuer the token names, for the
/// audience it names, with rules over arbitrary claims (see ``GenericOIDCSection``).
public enum GenericOIDCProfile: OIDCJoinProfile {
    public static let methodName = "generic_oidc"
    public static let sectionKey = "generic_oidc"

    public static func section(_ value: JSONValue) throws -> GenericOIDCSection {
        try GenericOIDCSection(value)
    }

    public static func issuer(of section: GenericOIDCSection, context: IssuerContext) throws -> IssuerChoice {
        IssuerChoice(issuer: section.issuer, staticJWKS: section.staticJWKS, audience: section.audience,
                     trustedRootsPEM: section.trustedRootsPEM, allowsHTTP: section.allowsHTTP)
    }
}
