import JoinCore
import OIDCKit

/// The `gitlab` join method (Teleport's): a GitLab CI job proves itself with an ID token its
/// `id_tokens:` keyword mints, for the cluster's name as audience, from gitlab.com or the
/// instance `domain` names (`static_jwks` when the Auth server cannot reach it).
public enum GitLabProfile: OIDCSchemaProfile {
    public static let methodName = "gitlab"
    public static let defaultDomain = "gitlab.com"

    public static let schema = OIDCSectionSchema(
        key: "gitlab",
        settings: ["domain": .text, "static_jwks": .jwks],
        ruleFields: [
            .init("sub", .glob), .init("ref", .glob), .init("ref_type"), .init("namespace_path", .glob),
            .init("project_path", .glob), .init("pipeline_source"), .init("environment"), .init("user_login"),
            .init("user_id"), .init("user_email"), .init("ref_protected", .bool), .init("environment_protected", .bool),
            .init("ci_config_sha"), .init("ci_config_ref_uri"), .init("deployment_tier"), .init("project_visibility"),
        ])

    public static var missingSection: String { "\"gitlab\" configuration must be provided for the join method \"gitlab\"" }

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        guard !section.allow.isEmpty else {
            throw JoinError.badParameter("the \"gitlab\" join method requires defined gitlab allow rules")
        }
        let anchors = ["sub", "project_path", "namespace_path", "ci_config_ref_uri"]
        for rule in section.allow where !anchors.contains(where: { rule[$0] != nil }) {
            throw JoinError.badParameter("the \"gitlab\" join method requires allow rules with at least one of ['sub', 'project_path', 'namespace_path', 'ci_config_ref_uri'] to ensure security.")
        }
        var checked = section
        if let domain = section.text("domain") {
            if domain.contains("/") {
                throw JoinError.badParameter("'spec.gitlab.domain' should not contain the scheme or path")
            }
            try IssuerHost.check(domain, message: "'spec.gitlab.domain' must be a host name with an optional port, e.g. gitlab.example.com")
        } else {
            checked.settings["domain"] = .string(defaultDomain)
        }
        return checked
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        IssuerChoice(issuer: "https://\(section.text("domain") ?? defaultDomain)", staticJWKS: section.text("static_jwks"),
                     audience: context.clusterName)
    }
}
