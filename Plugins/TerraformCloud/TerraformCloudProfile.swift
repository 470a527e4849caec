import JoinCore
import OIDCKit

/// The `terraform_cloud` join method (Teleport's): an HCP Terraform (or Terraform Enterprise,
/// `hostname`) run proves itself with its workload identity token, minted for the cluster's
/// name unless the section names another `audience`.
public enum TerraformCloudProfile: OIDCSchemaProfile {
    public static let methodName = "terraform_cloud"
    public static let hasFixedIssuer = true
    public static let defaultIssuer = "https://app.terraform.io"

    public static let schema = OIDCSectionSchema(
        key: "terraform_cloud",
        settings: ["audience": .text, "hostname": .text],
        ruleFields: [
            .init("organization_id", claim: "terraform_organization_id"),
            .init("organization_name", claim: "terraform_organization_name"),
            .init("project_id", claim: "terraform_project_id"), .init("project_name", claim: "terraform_project_name"),
            .init("workspace_id", claim: "terraform_workspace_id"), .init("workspace_name", claim: "terraform_workspace_name"),
            .init("run_phase", claim: "terraform_run_phase"),
        ])

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        func failed(_ message: String) -> JoinError { .badParameter("spec.terraform_cloud: failed validation: \(message)") }
        guard !section.allow.isEmpty else { throw failed("the \"terraform_cloud\" join method requires at least one token allow rule") }
        for (index, rule) in section.allow.enumerated() {
            if rule["organization_id"] == nil && rule["organization_name"] == nil {
                throw failed("allow[\(index)]: one of ['organization_id', 'organization_name'] must be set")
            }
            if !["project_id", "project_name", "workspace_id", "workspace_name"].contains(where: { rule[$0] != nil }) {
                throw failed("allow[\(index)]: at least one of ['project_id', 'project_name', 'workspace_id', 'workspace_name'] must be set")
            }
        }
        if let hostname = section.text("hostname") {
            guard !hostname.contains("/") else { throw failed("hostname: should not contain the scheme or path") }
            guard IssuerHost.isValid(hostname) else { throw failed("hostname: should be a host name with an optional port, e.g. tfe.example.com") }
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        let issuer = section.text("hostname").map { "https://\($0)" } ?? context.issuerBase(defaultIssuer, method: methodName)
        return IssuerChoice(issuer: issuer, audience: section.text("audience") ?? context.clusterName)
    }
}
