import JoinCore
import OIDCKit

/// The `env0` join method (Teleport's): an env0 deployment with "Enable OIDC during
/// deployments" proves itself with the ID token env0 mints, from env0's one issuer for env0's
/// one audience. Rules name the organization and the project, and may narrow further.
public enum Env0Profile: OIDCSchemaProfile {
    public static let methodName = "env0"
    public static let hasFixedIssuer = true
    /// env0's issuer, trailing slash included: `iss` is compared exactly.
    public static let defaultIssuer = "https://login.app.env0.com/"
    public static let audience = "https://app.env0.com"

    public static let schema = OIDCSectionSchema(
        key: "env0",
        settings: [:],
        ruleFields: [
            .init("organization_id", claim: "organizationId"), .init("project_id", claim: "projectId"),
            .init("project_name", claim: "projectName"), .init("template_id", claim: "templateId"),
            .init("template_name", claim: "templateName"), .init("environment_id", claim: "environmentId"),
            .init("environment_name", claim: "environmentName"), .init("workspace_name", claim: "workspaceName"),
            .init("deployment_type", claim: "deploymentType"), .init("deployer_email", claim: "deployerEmail"),
            .init("env0_tag", claim: "env0Tag"),
        ])

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        func failed(_ message: String) -> JoinError { .badParameter("spec.env0: failed validation: \(message)") }
        guard !section.allow.isEmpty else { throw failed("allow: at least one rule must be set") }
        for (index, rule) in section.allow.enumerated() {
            if rule["organization_id"] == nil { throw failed("allow[\(index)]: organization_id must be set") }
            if rule["project_id"] == nil && rule["project_name"] == nil {
                throw failed("allow[\(index)]: at least one of ['project_id', 'project_name'] must be set")
            }
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        IssuerChoice(issuer: context.issuerBase(defaultIssuer, method: methodName), audience: audience)
    }
}
