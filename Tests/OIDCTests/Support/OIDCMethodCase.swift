import AzureDevOpsJoin
import BitbucketJoin
import CircleCIJoin
import Env0Join
import Foundation
import GCPJoin
import GenericOIDCJoin
import GitHubJoin
import GitLabJoin
import JoinCore
import KubernetesJoin
import SpaceliftJoin
import TerraformCloudJoin
import TestSupport

/// One OIDC method as its suites exercise it against the test issuer: a token section whose
/// rules a sample job's claims satisfy, claims that break one rule, and how that job's ID
/// token reaches the joiner (minted into the platform's variable, or asked of the platform's
/// token service).
struct OIDCMethodCase: Sendable {
    let plugin: JoinMethodPlugin
    /// The issuer's path on the test issuer ("" for its root).
    let issuerPath: @Sendable (OIDCTestIssuer) -> String
    /// The audience the platform mints for.
    let audience: @Sendable (OIDCTestIssuer) -> String
    /// The method's section of a token (indented under `spec:`).
    let section: @Sendable (OIDCTestIssuer) -> String
    let claims: [String: JSONValue]
    /// Claims that, merged over ``claims``, break one rule.
    let mismatch: [String: JSONValue]
    /// The joiner's environment variable for a minted token; nil when the platform mints on request.
    let variable: String?
    /// "did not match" in Teleport's words for this method.
    var refusal = "id token claims did not match any allow rules"

    var method: String { plugin.name }

    /// A bot token (or a node token with `roles: [Node]`) named `name`, expiring at `expires`.
    func tokenYAML(name: String, issuer: OIDCTestIssuer, roles: String = "[Bot]", expires: Date? = nil) -> String {
        """
        kind: token
        version: v2
        metadata:
          name: \(name)
        \(expires.map { "  expires: \"\(RFC3339.format($0))\"" } ?? "")
        spec:
          roles: \(roles)
          join_method: \(method)
        \(roles == "[Bot]" ? "  bot_name: ci-bot" : "")
        \(section(issuer))
        """
    }

    /// The joiner's environment for a job with `claims` (over ``claims``): the minted token in
    /// the platform's variable, or the platform's token service configured to mint it.
    func joinerEnvironment(_ issuer: OIDCTestIssuer, overriding: [String: JSONValue] = [:]) async throws -> [String: String] {
        var all = claims.merging(overriding) { $1 }
        all["aud"] = all["aud"] ?? .string(audience(issuer))
        switch method {
        case "github":
            try await issuer.configurePlatform("github", issuer: issuerPath(issuer), claims: all.filter { $0.key != "aud" }, requestToken: "gh-request-secret")
            return ["ACTIONS_ID_TOKEN_REQUEST_URL": issuer.githubRequestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-secret"]
        case "azure_devops":
            try await issuer.configurePlatform("azure_devops", issuer: issuerPath(issuer), claims: all, requestToken: "ado-access-token")
            return ["SYSTEM_OIDCREQUESTURI": issuer.azureDevOpsRequestURL, "SYSTEM_ACCESSTOKEN": "ado-access-token"]
        case "gcp":
            try await issuer.configurePlatform("gcp", issuer: issuerPath(issuer), claims: all.filter { $0.key != "aud" }, requestToken: "")
            return ["GCE_METADATA_HOST": issuer.gceMetadataHost]
        case "kubernetes":
            // A projected token is a file in the pod.
            let file = issuer.directory.appendingPathComponent("sa-token-\(UUID().uuidString)")
            try await issuer.mint(issuer: issuerPath(issuer), claims: all).write(to: file, atomically: true, encoding: .utf8)
            return ["KUBERNETES_TOKEN_PATH": file.path]
        default:
            let token = try await issuer.mint(issuer: issuerPath(issuer), claims: all)
            return [variable!: token]
        }
    }

    static func hostPort(_ issuer: OIDCTestIssuer) -> String { "127.0.0.1:\(issuer.port)" }

    static let all: [OIDCMethodCase] = [github, gitlab, circleci, bitbucket, terraformCloud, spacelift, azureDevOps, env0, genericOIDC,
                                        kubernetes, gcp]

    /// A pod's projected service-account token, verified through the cluster's OIDC issuer.
    static let kubernetes = OIDCMethodCase(
        plugin: .kubernetes, issuerPath: { _ in "k8s" }, audience: { _ in TestCluster.clusterName },
        section: { issuer in """
              kubernetes:
                type: oidc
                oidc:
                  issuer: \(issuer.issuerURL("k8s"))
                allow:
                  - service_account: "ci:tbot"
            """ },
        claims: ["sub": .string("system:serviceaccount:ci:tbot"),
                 "kubernetes.io": .object(["namespace": .string("ci"), "pod": .object(["name": .string("tbot-7d9f")]),
                                           "serviceaccount": .object(["name": .string("tbot")])])],
        mismatch: ["sub": .string("system:serviceaccount:ci:intruder")], variable: nil,
        refusal: "kubernetes token did not match any allow rules")

    /// A Compute Engine VM's identity token, from the metadata server.
    static let gcp = OIDCMethodCase(
        plugin: .gcp, issuerPath: { _ in "gcp" }, audience: { _ in "teleport.cluster.local" },
        section: { _ in """
              gcp:
                allow:
                  - project_ids: ["acme-prod"]
                    locations: ["us-west1"]
                    service_accounts: ["joiner@acme-prod.iam.gserviceaccount.com"]
            """ },
        claims: ["sub": .string("104893722137480155321"), "email": .string("joiner@acme-prod.iam.gserviceaccount.com"),
                 "google": .object(["compute_engine": .object([
                    "project_id": .string("acme-prod"), "zone": .string("us-west1-b"),
                    "instance_id": .string("4815162342"), "instance_name": .string("web-1")])])],
        mismatch: ["google": .object(["compute_engine": .object([
            "project_id": .string("acme-prod"), "zone": .string("europe-west4-a"),
            "instance_id": .string("4815162342"), "instance_name": .string("web-1")])])],
        variable: nil)

    static let github = OIDCMethodCase(
        plugin: .github, issuerPath: { _ in "github" }, audience: { _ in "teleport.cluster.local" },
        section: { _ in """
              github:
                allow:
                  - repository: octo/app
                    ref: refs/heads/*
                    ref_type: branch
            """ },
        claims: ["sub": .string("repo:octo/app:ref:refs/heads/main"), "repository": .string("octo/app"),
                 "repository_owner": .string("octo"), "ref": .string("refs/heads/main"), "ref_type": .string("branch"),
                 "workflow": .string("deploy"), "actor": .string("octocat")],
        mismatch: ["repository": .string("evil/app")], variable: nil)

    static let gitlab = OIDCMethodCase(
        plugin: .gitlab, issuerPath: { _ in "" }, audience: { _ in TestCluster.clusterName },
        section: { issuer in """
              gitlab:
                domain: \(hostPort(issuer))
                allow:
                  - project_path: octo/*
                    ref_protected: true
            """ },
        claims: ["sub": .string("project_path:octo/app:ref_type:branch:ref:main"), "project_path": .string("octo/app"),
                 "namespace_path": .string("octo"), "ref": .string("main"), "ref_type": .string("branch"), "ref_protected": .string("true")],
        mismatch: ["ref_protected": .string("false")], variable: "TBOT_GITLAB_JWT")

    static let circleci = OIDCMethodCase(
        plugin: .circleci, issuerPath: { _ in "circleci/org/org-1234" }, audience: { _ in "org-1234" },
        section: { _ in """
              circleci:
                organization_id: org-1234
                allow:
                  - project_id: proj-1
                    context_id: ctx-2
            """ },
        claims: ["sub": .string("org/org-1234/project/proj-1/user/u-1"), "oidc.circleci.com/project-id": .string("proj-1"),
                 "oidc.circleci.com/context-ids": .array([.string("ctx-1"), .string("ctx-2")])],
        mismatch: ["oidc.circleci.com/context-ids": .array([.string("ctx-9")])], variable: "CIRCLE_OIDC_TOKEN_V2")

    static let bitbucket = OIDCMethodCase(
        plugin: .bitbucket, issuerPath: { _ in "bitbucket" }, audience: { _ in "ari:cloud:bitbucket::workspace/ws-1" },
        section: { issuer in """
              bitbucket:
                identity_provider_url: \(issuer.issuerURL("bitbucket"))
                audience: ari:cloud:bitbucket::workspace/ws-1
                allow:
                  - workspace_uuid: '{ws-1}'
                    branch_name: main
            """ },
        claims: ["sub": .string("{repo-1}:{step-1}"), "workspaceUuid": .string("{ws-1}"), "repositoryUuid": .string("{repo-1}"),
                 "branchName": .string("main")],
        mismatch: ["branchName": .string("dev")], variable: "BITBUCKET_STEP_OIDC_TOKEN")

    static let terraformCloud = OIDCMethodCase(
        plugin: .terraformCloud, issuerPath: { _ in "terraform_cloud" }, audience: { _ in TestCluster.clusterName },
        section: { _ in """
              terraform_cloud:
                allow:
                  - organization_name: acme
                    workspace_name: prod
            """ },
        claims: ["sub": .string("organization:acme:project:Default:workspace:prod:run_phase:apply"),
                 "terraform_organization_name": .string("acme"), "terraform_workspace_name": .string("prod"),
                 "terraform_run_phase": .string("apply")],
        mismatch: ["terraform_workspace_name": .string("dev")], variable: "TFC_WORKLOAD_IDENTITY_TOKEN")

    static let spacelift = OIDCMethodCase(
        plugin: .spacelift, issuerPath: { _ in "" }, audience: { hostPort($0) },
        section: { issuer in """
              spacelift:
                hostname: \(hostPort(issuer))
                enable_glob_matching: true
                allow:
                  - space_id: root*
                    caller_type: stack
            """ },
        claims: ["sub": .string("space:root-01:stack:my-stack:run_type:TRACKED:scope:write"), "spaceId": .string("root-01"),
                 "callerType": .string("stack"), "callerId": .string("my-stack"), "scope": .string("write")],
        mismatch: ["callerType": .string("module")], variable: "SPACELIFT_OIDC_TOKEN")

    static let azureDevOps = OIDCMethodCase(
        plugin: .azureDevOps, issuerPath: { _ in "azure_devops/11111111-aaaa" }, audience: { _ in "api://AzureADTokenExchange" },
        section: { _ in """
              azure_devops:
                organization_id: 11111111-aaaa
                allow:
                  - project_name: infra
                    pipeline_name: deploy
            """ },
        claims: ["sub": .string("p://acme/infra/deploy"), "org_id": .string("11111111-aaaa"), "prj_id": .string("p-1"),
                 "def_id": .string("7")],
        mismatch: ["sub": .string("p://acme/infra/other")], variable: nil,
        refusal: "id token claims failed to match any allow rules")

    static let env0 = OIDCMethodCase(
        plugin: .env0, issuerPath: { _ in "env0" }, audience: { _ in "https://app.env0.com" },
        section: { _ in """
              env0:
                allow:
                  - organization_id: org-e
                    project_name: Infra
            """ },
        claims: ["sub": .string("auth0|env0"), "organizationId": .string("org-e"), "projectName": .string("Infra"),
                 "deploymentType": .string("deploy")],
        mismatch: ["projectName": .string("Other")], variable: "ENV0_OIDC_TOKEN")

    static let genericOIDC = OIDCMethodCase(
        plugin: .genericOIDC, issuerPath: { _ in "generic" }, audience: { _ in "test.example.com/generic" },
        section: { issuer in
            let ca = (try? String(contentsOf: issuer.caFile, encoding: .utf8)) ?? ""
            return """
              generic_oidc:
                issuer: \(issuer.issuerURL("generic"))
                audience: test.example.com/generic
                tls_ca: |
            \(ca.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n"))
                must_match_fields:
                  organization: acme
                allow_any:
                  - conditions:
                      - attribute: env.name
                        in:
                          values: [prod, staging]
            """ },
        claims: ["sub": .string("workload-1"), "organization": .string("acme"), "env": .object(["name": .string("prod")])],
        mismatch: ["env": .object(["name": .string("dev")])], variable: "TBOT_OIDC_TOKEN")
}
