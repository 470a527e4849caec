import CLIKit
import Foundation
import JoinCore
import TestSupport
import XCTest
import Yams

/// Teleport's own example token files for the OIDC methods (Tests/Fixtures/teleport-token-examples),
/// through every built-in method as `tctl create` validates them: the valid ones are accepted
/// and stored with the same rules, and the ones Teleport refuses are refused for the same reason.
final class TeleportTokenExampleTests: XCTestCase {
    private func token(_ method: String) throws -> ProvisionToken {
        try YAMLDecoder().decode(ProvisionToken.self, from: Fixtures.string("teleport-token-examples/\(method).yaml"))
    }

    private func validate(_ token: ProvisionToken) async throws -> ProvisionToken {
        try await BuiltInJoinMethods.registry.makeMethods(context: PluginContext()).validate(token)
    }

    private func refusal(_ token: ProvisionToken) async -> String? {
        do {
            _ = try await validate(token)
            return nil
        } catch {
            return (error as? JoinError)?.message ?? "\(error)"
        }
    }

    private func section(_ token: ProvisionToken, _ key: String) -> JSONValue? { token.spec.methodSections[key] }

    /// The number of fields of a map value.
    private func fieldCount(_ value: JSONValue?) -> Int? {
        if case .object(let fields)? = value { return fields.count }
        return nil
    }

    func testBitbucket() async throws {
        let stored = try await validate(try token("bitbucket"))
        XCTAssertEqual(stored.spec.roles, [.bot])
        XCTAssertEqual(stored.spec.botName, "example")
        let rule = section(stored, "bitbucket")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["workspace_uuid"], .string("{WORKSPACE_UUID}"))
        XCTAssertEqual(rule?["branch_name"], .string("main"))
        XCTAssertEqual(section(stored, "bitbucket")?["identity_provider_url"], .string("$IDENTITY_PROVIDER_URL"))
    }

    func testCircleCIReadsAnUnquotedProjectIDAsText() async throws {
        let stored = try await validate(try token("circleci"))
        let rule = section(stored, "circleci")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["project_id"], .string("1234"))
        XCTAssertEqual(rule?["context_id"], .string("00000000-0000-0000-0000-000000000000"))
        XCTAssertEqual(section(stored, "circleci")?["organization_id"], .string("$ORGANIZATION_ID"))
    }

    func testAzureDevOps() async throws {
        let stored = try await validate(try token("azure_devops"))
        let rule = section(stored, "azure_devops")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["definition_id"], .string("1"))
        XCTAssertEqual(rule?["sub"], .string("p://my-organization/my-project/my-pipeline"))
        XCTAssertEqual(fieldCount(rule), 8)
    }

    func testEnv0DropsTheEmptyOptionalFields() async throws {
        let stored = try await validate(try token("env0"))
        let rule = section(stored, "env0")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["project_name"], .string("ExampleProject"))
        XCTAssertNil(rule?["deployment_type"], "an empty string is no condition, as in Teleport")
        XCTAssertEqual(fieldCount(rule), 8)
    }

    func testGitHubExampleSetsBothEnterpriseFieldsAndIsRefusedAsTeleportRefusesIt() async throws {
        let message = await refusal(try token("github"))
        XCTAssertEqual(message, "'spec.github.enterprise_server_host' and `spec.github.enterprise_slug` cannot both be set")
        var fixed = try token("github")
        fixed.spec.methodSections["github"] = section(fixed, "github").map { value in
            guard case .object(var fields) = value else { return value }
            fields["enterprise_slug"] = nil
            return .object(fields)
        }
        let stored = try await validate(fixed)
        XCTAssertEqual(section(stored, "github")?["enterprise_server_host"], .string("ghes.example.com"))
    }

    func testGitLabExampleWithItsSnippedKeySetIsRefusedAndAcceptedWithARealOne() async throws {
        let message = await refusal(try token("gitlab"))
        XCTAssertEqual(message, "spec.gitlab.static_jwks: the JWKS is not a JSON object")
        var fixed = try token("gitlab")
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#
        fixed.spec.methodSections["gitlab"] = section(fixed, "gitlab").map { value in
            guard case .object(var fields) = value else { return value }
            fields["static_jwks"] = .string(jwks)
            return .object(fields)
        }
        let stored = try await validate(fixed)
        let rule = section(stored, "gitlab")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["ref_protected"], .bool(true))
        XCTAssertEqual(rule?["project_path"], .string("my-user/my-project"))
        XCTAssertEqual(section(stored, "gitlab")?["domain"], .string("gitlab.example.com"))
    }

    func testTerraformAndSpaceliftExamplesNameAMethodThatDoesNotExist() async throws {
        for name in ["terraform_cloud", "spacelift"] {
            let token = try token(name)
            XCTAssertEqual(token.spec.joinMethod, "terraform", name)
            let message = await refusal(token)
            XCTAssertNotNil(message, name)
            XCTAssertTrue(message?.contains("terraform") == true, "\(name): \(message ?? "")")
        }
        var terraform = try token("terraform_cloud")
        terraform.spec.joinMethod = "terraform_cloud"
        terraform.spec.methodSections["terraform_cloud"] = terraform.spec.methodSections.removeValue(forKey: "terraform")
        let stored = try await validate(terraform)
        let rule = section(stored, "terraform_cloud")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["workspace_id"], .string("ws-baz"))
        XCTAssertNil(rule?["run_phase"])

        var spacelift = try token("spacelift")
        spacelift.spec.joinMethod = "spacelift"
        let accepted = try await validate(spacelift)
        XCTAssertEqual(section(accepted, "spacelift")?["hostname"], .string("example.app.spacelift.io"))
    }

    func testGenericOIDCExpressionsAreRefusedAndTheRestMeansWhatTeleportSays() async throws {
        let message = await refusal(try token("generic_oidc"))
        XCTAssertEqual(message, "spec.generic_oidc.allow_any[0].expression: predicate expressions are not supported by Joinery; write the rule as conditions (attribute with eq, not_eq, in or not_in)")
        var withoutExpression = try token("generic_oidc")
        guard case .object(var fields)? = section(withoutExpression, "generic_oidc"),
              case .array(let entries)? = fields["allow_any"] else { return XCTFail("no allow_any") }
        fields["allow_any"] = .array(Array(entries.dropFirst()))
        withoutExpression.spec.methodSections["generic_oidc"] = .object(fields)
        let stored = try await validate(withoutExpression)
        XCTAssertEqual(stored.spec.roles, [.node])
        XCTAssertEqual(section(stored, "generic_oidc")?["must_match_fields"]?["example"]?["number_field"], .number(1234))
    }

    func testKubernetesAndGCPExamples() async throws {
        let inCluster = try await validate(try token("kubernetes_in_cluster"))
        XCTAssertEqual(section(inCluster, "kubernetes")?["type"], .string("in_cluster"))
        XCTAssertEqual(section(inCluster, "kubernetes")?["allow"], .array([.object(["service_account": .string("teleport-agent:teleport-app-service")])]))
        let oidc = try await validate(try token("kubernetes_oidc"))
        XCTAssertEqual(section(oidc, "kubernetes")?["oidc"]?["issuer"], .string("https://oidc.eks.us-west-2.amazonaws.com/id/my-cluster"))
        let snipped = await refusal(try token("kubernetes_static_jwks"))
        XCTAssertEqual(snipped, "spec.kubernetes: static_jwks.jwks: the JWKS is not a JSON object")
        let gcp = try await validate(try token("gcp"))
        let rule = section(gcp, "gcp")?["allow"].flatMap { if case .array(let rules) = $0 { rules.first } else { nil } }
        XCTAssertEqual(rule?["locations"], .array([.string("us-west1"), .string("us-west2-a")]))
        XCTAssertEqual(rule?["project_ids"], .array([.string("example-project-id")]))
    }

    func testEachMethodsCreationChecksUseTeleportsWords() async throws {
        func refusal(_ method: String, _ section: String) async throws -> String? {
            let yaml = "kind: token\nversion: v2\nmetadata:\n  name: t\nspec:\n  roles: [Bot]\n  bot_name: b\n  join_method: \(method)\n" + section
            return await self.refusal(try YAMLDecoder().decode(ProvisionToken.self, from: yaml))
        }
        let cases: [(String, String, String)] = [
            ("github", "", "\"github\" configuration must be provided for join method \"github\""),
            ("github", "  github:\n    allow: []\n", "the \"github\" join method requires at least one token allow rule"),
            ("github", "  github:\n    allow: [{workflow: deploy}]\n", "allow rule for \"github\" must include at least one of \"repository\", \"repository_owner\" or \"sub\""),
            ("github", "  github:\n    enterprise_server_host: https://ghes\n    allow: [{sub: x}]\n", "'spec.github.enterprise_server_host' should not contain the scheme or path"),
            ("github", "  github:\n    allow: [{repo: x}]\n", "unknown field \"spec.github.allow[0].repo\""),
            ("gitlab", "  gitlab:\n    allow: [{ref: main}]\n", "the \"gitlab\" join method requires allow rules with at least one of ['sub', 'project_path', 'namespace_path', 'ci_config_ref_uri'] to ensure security."),
            ("gitlab", "  gitlab:\n    allow: [{sub: x, ref_protected: yes-please}]\n", "spec.gitlab.allow[0].ref_protected: expected true or false"),
            ("gitlab", "  gitlab:\n    domain: gitlab.example.com/x\n    allow: [{sub: x}]\n", "'spec.gitlab.domain' should not contain the scheme or path"),
            ("circleci", "  circleci:\n    allow: [{project_id: p}]\n", "the \"circleci\" join method requires 'organization_id' to be set"),
            ("circleci", "  circleci:\n    organization_id: o\n    allow: [{}]\n", "allow rule for \"circleci\" must include at least \"project_id\" or \"context_id\""),
            ("bitbucket", "  bitbucket:\n    identity_provider_url: https://x\n    allow: [{branch_name: main}]\n", "spec.bitbucket: failed validation: audience: an OpenID Connect Audience value is required"),
            ("bitbucket", "  bitbucket:\n    identity_provider_url: https://x\n    audience: a\n    allow: [{branch_name: main}]\n", "spec.bitbucket: failed validation: allow[0]: at least one of ['workspace_uuid', 'repository_uuid'] must be set"),
            ("terraform_cloud", "  terraform_cloud:\n    allow: [{project_name: p}]\n", "spec.terraform_cloud: failed validation: allow[0]: one of ['organization_id', 'organization_name'] must be set"),
            ("spacelift", "  spacelift:\n    allow: [{space_id: root}]\n", "spec.spacelift: failed validation: hostname: should be set to the hostname of the spacelift tenant"),
            ("spacelift", "  spacelift:\n    hostname: x.app.spacelift.io\n    allow: [{scope: read}]\n", "spec.spacelift: failed validation: allow[0]: at least one of ['space_id', 'caller_id'] must be set"),
            ("azure_devops", "  azure_devops:\n    allow: [{sub: x}]\n", "spec.azure_devops: failed validation: organization_id: must be set"),
            ("env0", "  env0:\n    allow: [{project_name: p}]\n", "spec.env0: failed validation: allow[0]: organization_id must be set"),
            ("generic_oidc", "  generic_oidc:\n    issuer: http://idp.example.com\n    audience: a\n    must_match_fields: {a: b}\n", "spec.generic_oidc: failed validation: issuer: must be an https:// URL (or http:// with insecure_allow_http_issuer: true)"),
            ("generic_oidc", "  generic_oidc:\n    issuer: https://idp.example.com\n    audience: a\n", "spec.generic_oidc: failed validation: at least one rule must exist between must_match_fields and allow_any"),
            ("generic_oidc", "  generic_oidc:\n    issuer: https://idp.example.com\n    audience: a\n    must_match_fields: {groups: [a]}\n", "spec.generic_oidc.must_match_fields.groups: lists are not supported in must_match_fields; use allow_any conditions with in"),
            ("gitlab", "  gitlab:\n    domain: gitlab.corp@attacker.example\n    allow: [{sub: x}]\n", "'spec.gitlab.domain' must be a host name with an optional port, e.g. gitlab.example.com"),
            ("spacelift", "  spacelift:\n    hostname: a.app.spacelift.io?x\n    allow: [{space_id: root}]\n", "spec.spacelift: failed validation: hostname: should be a host name with an optional port, e.g. example.app.spacelift.io"),
            ("github", "  github:\n    enterprise_slug: ../other\n    allow: [{sub: x}]\n", "'spec.github.enterprise_slug' must be the enterprise's slug (letters, digits, - and _)"),
            ("generic_oidc", "  generic_oidc:\n    issuer: https://idp.example.com\n    audience: a\n    must_match_fields: {claims: {}}\n", "spec.generic_oidc.must_match_fields.claims: an empty map checks nothing; give it the fields to match, or remove it"),
            ("kubernetes", "", "\"kubernetes\" configuration must be provided for the join method \"kubernetes\""),
            ("kubernetes", "  kubernetes:\n    allow: []\n", "spec.kubernetes: allow: at least one rule must be set"),
            ("kubernetes", "  kubernetes:\n    allow: [{service_account: tbot}]\n", "spec.kubernetes: allow[0].service_account: name of service account should be in format \"namespace:service_account\", got \"tbot\" instead"),
            ("kubernetes", "  kubernetes:\n    type: magic\n    allow: [{service_account: \"a:b\"}]\n", "spec.kubernetes: type: must be one of (in_cluster, static_jwks, oidc), got \"magic\" instead"),
            ("kubernetes", "  kubernetes:\n    type: static_jwks\n    allow: [{service_account: \"a:b\"}]\n", "spec.kubernetes: static_jwks: must be set when type is \"static_jwks\""),
            ("kubernetes", "  kubernetes:\n    type: in_cluster\n    static_jwks: {jwks: x}\n    allow: [{service_account: \"a:b\"}]\n", "spec.kubernetes: static_jwks: must not be set when type is \"in_cluster\""),
            ("kubernetes", "  kubernetes:\n    type: oidc\n    oidc: {issuer: \"http://k8s.example.com\"}\n    allow: [{service_account: \"a:b\"}]\n", "spec.kubernetes: oidc.issuer must be https:// unless insecure_allow_http_issuer is set"),
            ("kubernetes", "  kubernetes:\n    type: oidc\n    allow: [{service_account: \"a:b\"}]\n", "spec.kubernetes: oidc.issuer: must be set when type is \"oidc\""),
            ("gcp", "  gcp:\n    allow: []\n", "the \"gcp\" join method requires at least one token allow rule"),
            ("gcp", "  gcp:\n    allow: [{locations: [us-west1]}]\n", "the \"gcp\" join method requires gcp allow rules with at least one project ID"),
            ("gcp", "  gcp:\n    allow: [{project_ids: [p], zones: [x]}]\n", "unknown field \"spec.gcp.allow[0].zones\""),
            ("token", "  github:\n    allow: [{sub: x}]\n", "spec.github is not compatible with the \"token\" join method: it belongs to the \"github\" join method; remove it, or set join_method to its method"),
        ]
        for (method, section, expected) in cases {
            let message = try await refusal(method, section)
            XCTAssertEqual(message, expected, "\(method): \(section)")
        }
    }
}
