import Foundation
import JoinCore
import OIDCKit

/// The `circleci` join method (Teleport's): a CircleCI job proves itself with the ID token
/// CircleCI gives every job, issued per organization and minted for the organization's ID.
/// Rules name a project, or a context the job runs with.
public enum CircleCIProfile: OIDCSchemaProfile {
    public static let methodName = "circleci"
    public static let hasFixedIssuer = true
    public static let defaultIssuer = "https://oidc.circleci.com"

    public static let schema = OIDCSectionSchema(
        key: "circleci",
        settings: ["organization_id": .text],
        ruleFields: [
            .init("project_id", claim: "oidc.circleci.com/project-id"),
            .init("context_id", claim: "oidc.circleci.com/context-ids", .member),
        ])

    public static var missingSection: String { "\"circleci\" configuration must be provided for join method \"circleci\"" }

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        guard !section.allow.isEmpty else {
            throw JoinError.badParameter("the \"circleci\" join method requires at least one token allow rule")
        }
        guard section.text("organization_id") != nil else {
            throw JoinError.badParameter("the \"circleci\" join method requires 'organization_id' to be set")
        }
        for rule in section.allow where rule["project_id"] == nil && rule["context_id"] == nil {
            throw JoinError.badParameter("allow rule for \"circleci\" must include at least \"project_id\" or \"context_id\"")
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        let organization = section.text("organization_id") ?? ""
        // Escaped as a path segment, so an organization ID cannot point at another path.
        let segment = organization.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? organization
        return IssuerChoice(issuer: "\(context.issuerBase(defaultIssuer, method: methodName))/org/\(segment)", audience: organization)
    }
}
