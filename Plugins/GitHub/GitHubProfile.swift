import JoinCore
import OIDCKit

/// The `github` join method (Teleport's): a GitHub Actions job proves itself with the ID token
/// GitHub mints for it, for the audience `teleport.cluster.local`. Tokens come from
/// github.com, a GitHub Enterprise Cloud enterprise with its own issuer (`enterprise_slug`), or
/// a GitHub Enterprise Server (`enterprise_server_host`, with `static_jwks` when the Auth server
/// cannot reach it).
public enum GitHubProfile: OIDCSchemaProfile {
    public static let methodName = "github"
    public static let hasFixedIssuer = true
    /// Minted for each join, so minutes old when it arrives.
    public static let timePolicy = TokenTimePolicy.standard
    /// Teleport's: GitHub tokens are minted for this audience whatever the cluster's name.
    public static let audience = "teleport.cluster.local"
    public static let defaultIssuer = "https://token.actions.githubusercontent.com"

    public static let schema = OIDCSectionSchema(
        key: "github",
        settings: ["enterprise_server_host": .text, "enterprise_slug": .text, "static_jwks": .jwks],
        ruleFields: [
            .init("sub", .glob), .init("repository", .glob), .init("repository_owner", .glob),
            .init("workflow", .glob), .init("environment", .glob), .init("actor", .glob),
            .init("ref", .glob), .init("ref_type"),
        ])

    public static var missingSection: String { "\"github\" configuration must be provided for join method \"github\"" }

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        guard !section.allow.isEmpty else {
            throw JoinError.badParameter("the \"github\" join method requires at least one token allow rule")
        }
        for rule in section.allow where rule["repository"] == nil && rule["repository_owner"] == nil && rule["sub"] == nil {
            throw JoinError.badParameter("allow rule for \"github\" must include at least one of \"repository\", \"repository_owner\" or \"sub\"")
        }
        if section.text("enterprise_server_host")?.contains("/") == true {
            throw JoinError.badParameter("'spec.github.enterprise_server_host' should not contain the scheme or path")
        }
        try IssuerHost.check(section.text("enterprise_server_host"),
                             message: "'spec.github.enterprise_server_host' must be a host name with an optional port, e.g. ghes.example.com")
        if section.text("enterprise_server_host") != nil && section.text("enterprise_slug") != nil {
            throw JoinError.badParameter("'spec.github.enterprise_server_host' and `spec.github.enterprise_slug` cannot both be set")
        }
        if let slug = section.text("enterprise_slug"), !slug.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw JoinError.badParameter("'spec.github.enterprise_slug' must be the enterprise's slug (letters, digits, - and _)")
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        let issuer: String
        if let host = section.text("enterprise_server_host") {
            issuer = "https://\(host)/_services/token"
        } else {
            let base = context.issuerBase(defaultIssuer, method: methodName)
            issuer = section.text("enterprise_slug").map { "\(base)/\($0)" } ?? base
        }
        return IssuerChoice(issuer: issuer, staticJWKS: section.text("static_jwks"), audience: audience)
    }
}
