import Foundation
import JoinCore
import OIDCKit

/// The `azure_devops` join method (Teleport's): an Azure Pipelines job proves itself with the
/// ID token its organization's issuer mints (always for `api://AzureADTokenExchange`). The
/// project and pipeline names are read from `sub` (`p://<organization>/<project>/<pipeline>`).
public enum AzureDevOpsProfile: OIDCSchemaProfile {
    public static let methodName = "azure_devops"
    public static let hasFixedIssuer = true
    /// Minted for each join, so minutes old when it arrives.
    public static let timePolicy = TokenTimePolicy.standard
    public static let defaultIssuer = "https://vstoken.dev.azure.com"
    /// Azure DevOps' fixed audience; it cannot be changed.
    public static let audience = "api://AzureADTokenExchange"

    public static let schema = OIDCSectionSchema(
        key: "azure_devops",
        settings: ["organization_id": .text],
        ruleFields: [
            .init("sub"), .init("project_name"), .init("pipeline_name"), .init("project_id", claim: "prj_id"),
            .init("definition_id", claim: "def_id"), .init("repository_uri", claim: "rpo_uri"),
            .init("repository_version", claim: "rpo_ver"), .init("repository_ref", claim: "rpo_ref"),
        ])

    public static var noMatchingRule: String { "id token claims failed to match any allow rules" }

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        func failed(_ message: String) -> JoinError { .badParameter("spec.azure_devops: failed validation: \(message)") }
        guard section.text("organization_id") != nil else { throw failed("organization_id: must be set") }
        guard !section.allow.isEmpty else { throw failed("allow: at least one rule must be set") }
        for (index, rule) in section.allow.enumerated() where !["sub", "project_name", "project_id"].contains(where: { rule[$0] != nil }) {
            throw failed("allow[\(index)]: at least one of ['sub', 'project_name', 'project_id'] must be set")
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        let organization = section.text("organization_id") ?? ""
        let segment = organization.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? organization
        return IssuerChoice(issuer: "\(context.issuerBase(defaultIssuer, method: methodName))/\(segment)", audience: audience)
    }

    /// The token must be a pipeline's (`p://`), of the token's organization; its project and
    /// pipeline names become the `project_name` and `pipeline_name` claims the rules read.
    public static func inspect(_ claims: VerifiedClaims, section: OIDCTokenSection) throws -> VerifiedClaims {
        let subject = claims.subject ?? ""
        guard let url = URL(string: subject), url.scheme == "p", let organization = url.host else {
            throw JoinError.accessDenied("id token is not of pipeline kind (sub: \(UntrustedString.quoted(subject)))")
        }
        let parts = url.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw JoinError.accessDenied("subject malformed, expected 2 path elements (sub: \(UntrustedString.quoted(subject)))")
        }
        let configured = section.text("organization_id") ?? ""
        let tokenOrganization = claims["org_id"]?.stringValue ?? ""
        guard tokenOrganization == configured else {
            throw JoinError.accessDenied("organization ID in token (\(UntrustedString.quoted(tokenOrganization))) does not match configured (\(configured))")
        }
        var all = claims.all
        all["organization_name"] = .string(organization)
        // `URL.path` is already percent-decoded once; decoding again would let `rel%2565ase` match `release`.
        all["project_name"] = .string(String(parts[parts.startIndex]))
        all["pipeline_name"] = .string(String(parts[parts.index(after: parts.startIndex)]))
        return VerifiedClaims(issuer: claims.issuer, all: all)
    }
}
