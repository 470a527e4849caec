import JoinCore
import OIDCKit

/// The `bitbucket` join method (Teleport's): a Bitbucket Pipelines step with `oidc: true`
/// proves itself with the ID token of its workspace's identity provider; the token names the
/// provider's URL and audience, as Bitbucket shows them under Pipelines → OpenID Connect.
public enum BitbucketProfile: OIDCSchemaProfile {
    public static let methodName = "bitbucket"

    public static let schema = OIDCSectionSchema(
        key: "bitbucket",
        settings: ["audience": .text, "identity_provider_url": .text],
        ruleFields: [
            .init("workspace_uuid", claim: "workspaceUuid"), .init("repository_uuid", claim: "repositoryUuid"),
            .init("deployment_environment_uuid", claim: "deploymentEnvironmentUuid"), .init("branch_name", claim: "branchName"),
        ])

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        func failed(_ message: String) -> JoinError { .badParameter("spec.bitbucket: failed validation: \(message)") }
        guard !section.allow.isEmpty else { throw failed("the \"bitbucket\" join method requires at least one token allow rule") }
        guard section.text("audience") != nil else { throw failed("audience: an OpenID Connect Audience value is required") }
        guard section.text("identity_provider_url") != nil else { throw failed("identity_provider_url: an identity provider URL is required") }
        for (index, rule) in section.allow.enumerated() where rule["workspace_uuid"] == nil && rule["repository_uuid"] == nil {
            throw failed("allow[\(index)]: at least one of ['workspace_uuid', 'repository_uuid'] must be set")
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        IssuerChoice(issuer: section.text("identity_provider_url") ?? "", audience: section.text("audience") ?? "")
    }
}
