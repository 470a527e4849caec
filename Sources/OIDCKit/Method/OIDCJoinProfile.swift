import Foundation
import JoinCore

/// A read token section of an OIDC method: what to store, and the rules it allows by.
public protocol OIDCTokenRules: Sendable {
    /// The section as stored (defaults set).
    var json: JSONValue { get }
    /// Alternatives: a join is allowed when one rule holds.
    var rules: [ClaimRule] { get }
    /// Claims recorded for the audit, beside `iss`, `sub` and `jti`.
    var auditedClaims: [String] { get }
}

/// What makes one OIDC join method different from the others: its name, its token section,
/// Teleport's checks of that section, and whom a section trusts. Everything else (fetching
/// keys, verifying the ID token, matching rules, the audit) is ``OIDCJoinMethod``'s.
///
/// A method's plugin is its profile, its prover's token source and its registration. Methods
/// whose section is "some settings and a list of allow rules" declare an
/// ``OIDCSectionSchema`` (``OIDCSchemaProfile``) instead of reading the section themselves.
public protocol OIDCJoinProfile: Sendable {
    associatedtype Section: OIDCTokenRules
    /// The name in `join_method:` (`github`).
    static var methodName: String { get }
    /// The section's key in the token's `spec` (`github`).
    static var sectionKey: String { get }
    /// Reads the section as written, with Teleport's checks and defaults.
    static func section(_ value: JSONValue) throws -> Section
    /// The issuer a token with this section trusts, and the audience.
    static func issuer(of section: Section, context: IssuerContext) throws -> IssuerChoice
    /// The refusal when no rule holds; Teleport's words by default.
    static var noMatchingRule: String { get }
    /// The refusal of a token without the section.
    static var missingSection: String { get }
    /// Whether the method's issuer is the platform's fixed one, which
    /// `JOINERY_OIDC_ISSUER_URL_<METHOD>` may replace (``IssuerContext/issuerBase(_:method:)``).
    static var hasFixedIssuer: Bool { get }
    /// The oldest ID token accepted: ``TokenTimePolicy/jobLifetime`` by default, for tokens a
    /// job is handed once and reuses; ``TokenTimePolicy/standard`` for platforms that mint a
    /// token for each join.
    static var timePolicy: TokenTimePolicy { get }
    /// Checks the verified claims beyond the rules and adds claims derived from them
    /// (azure_devops reads the project and pipeline names out of `sub`); by default, none.
    static func inspect(_ claims: VerifiedClaims, section: Section) throws -> VerifiedClaims
    /// Verifies the joiner's token another way than by an issuer's keys (kubernetes'
    /// `in_cluster` asks the API server's TokenReview); nil, the default, verifies it as an ID
    /// token against ``issuer(of:context:)``.
    static func verify(_ token: String, section: Section, context: IssuerContext) async throws -> VerifiedClaims?
    /// The refusal when no rule holds, for these claims; ``noMatchingRule`` by default.
    static func noMatch(_ claims: VerifiedClaims, section: Section) -> String
}

extension OIDCJoinProfile {
    public static var noMatchingRule: String { "id token claims did not match any allow rules" }
    public static var missingSection: String { "spec.\(sectionKey): must be configured for the join method \"\(methodName)\"" }
    public static func inspect(_ claims: VerifiedClaims, section: Section) throws -> VerifiedClaims { claims }
    public static func verify(_ token: String, section: Section, context: IssuerContext) async throws -> VerifiedClaims? { nil }
    public static func noMatch(_ claims: VerifiedClaims, section: Section) -> String { noMatchingRule }
    public static var hasFixedIssuer: Bool { false }
    public static var timePolicy: TokenTimePolicy { .jobLifetime }
}

/// A profile whose section is read by a schema: settings, and allow rules of known fields.
public protocol OIDCSchemaProfile: OIDCJoinProfile where Section == OIDCTokenSection {
    static var schema: OIDCSectionSchema { get }
    /// Teleport's checks of the read section, returning it with its defaults set.
    static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection
}

extension OIDCSchemaProfile {
    public static var sectionKey: String { schema.key }

    public static func section(_ value: JSONValue) throws -> OIDCTokenSection {
        try check(try OIDCTokenSection(value, schema: schema))
    }
}

/// What a profile may consult when it decides a section's issuer.
public struct IssuerContext: Sendable {
    /// The cluster's name: the audience most methods expect.
    public var clusterName: String
    /// The Auth server's environment.
    public var environment: [String: String]

    public init(clusterName: String, environment: [String: String]) {
        self.clusterName = clusterName
        self.environment = environment
    }

    /// `defaultURL`, or the URL `JOINERY_OIDC_ISSUER_URL_<METHOD>` names instead: the one
    /// way to point a method whose issuer is fixed (CircleCI, Azure DevOps, env0, github.com)
    /// at an emulator or a mirror, as `AWS_ENDPOINT_URL` does for AWS.
    public func issuerBase(_ defaultURL: String, method: String) -> String {
        let variable = Self.overrideVariable(method: method)
        if let override = environment[variable], !override.isEmpty { return override }
        return defaultURL
    }

    /// `JOINERY_OIDC_ISSUER_URL_AZURE_DEVOPS` for `azure_devops`.
    public static func overrideVariable(method: String) -> String {
        "JOINERY_OIDC_ISSUER_URL_" + method.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// A section's issuer, as a profile decides it.
public struct IssuerChoice: Sendable, Equatable {
    /// Exactly as the tokens' `iss` claim must read.
    public var issuer: String
    /// A JWKS document given in the token; nil to use the issuer's discovery.
    public var staticJWKS: String?
    public var audience: String
    /// PEM certificates that replace the trusted roots for this issuer (generic_oidc's `tls_ca`).
    public var trustedRootsPEM: String?
    /// Whether the issuer may be reached over plain HTTP (generic_oidc's
    /// `insecure_allow_http_issuer`).
    public var allowsHTTP: Bool
    /// Whether `iss` must equal ``issuer``. Only a section with ``staticJWKS`` may turn it off
    /// (kubernetes' `static_jwks`, which names keys but no issuer: the keys are the trust).
    public var checksIssuer: Bool

    public init(issuer: String, staticJWKS: String? = nil, audience: String, trustedRootsPEM: String? = nil,
                allowsHTTP: Bool = false, checksIssuer: Bool = true) {
        self.issuer = issuer
        self.staticJWKS = staticJWKS
        self.audience = audience
        self.trustedRootsPEM = trustedRootsPEM
        self.allowsHTTP = allowsHTTP
        self.checksIssuer = checksIssuer || staticJWKS == nil
    }
}
