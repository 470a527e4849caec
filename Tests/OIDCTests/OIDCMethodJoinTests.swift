import Agent
import Foundation
import JoinCore
import OIDCKit
import Server
import TestSupport
import XCTest

/// Each OIDC method end to end in one process: a bot joins with a job's ID token delivered
/// the platform's way, a job whose claims break a rule is refused with one audit event that
/// carries the verified claims, and a token signed by another issuer is refused naming why.
final class OIDCMethodJoinTests: XCTestCase {
    private func run(_ method: OIDCMethodCase, file: StaticString = #filePath, line: UInt = #line) async throws {
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await exercise(method, oidc, file: file, line: line)
        }
    }

    private func exercise(_ method: OIDCMethodCase, _ oidc: OIDCCluster, file: StaticString, line: UInt) async throws {
        try await oidc.createToken(method.tokenYAML(name: "\(method.method)-bot", issuer: oidc.issuer))

        // The job joins as the bot.
        let environment = try await method.joinerEnvironment(oidc.issuer)
        let identity = try await oidc.joinBot(method: method.method, token: "\(method.method)-bot", environment: environment)
        XCTAssertEqual(identity.botName, "ci-bot", file: file, line: line)
        XCTAssertEqual(identity.joinMethod, method.method, file: file, line: line)
        var events = try await oidc.auditEvents()
        let admitted = try XCTUnwrap(events.last, file: file, line: line)
        XCTAssertTrue(admitted.success, file: file, line: line)
        XCTAssertEqual(admitted.method, method.method, file: file, line: line)
        XCTAssertEqual(admitted.attributes["oidc_issuer"], oidc.issuer.issuerURL(method.issuerPath(oidc.issuer)), file: file, line: line)
        XCTAssertEqual(admitted.attributes["claim.sub"], method.claims["sub"]?.stringValue, file: file, line: line)

        // A job whose claims break a rule: refused, audited once with the claims it had.
        let before = events.count
        let mismatched = try await method.joinerEnvironment(oidc.issuer, overriding: method.mismatch)
        let refused = await oidc.refusal(method: method.method, token: "\(method.method)-bot", environment: mismatched, file: file, line: line)
        XCTAssertEqual(refused?.kind, .accessDenied, file: file, line: line)
        XCTAssertTrue(refused?.message.contains(method.refusal) == true, refused?.message ?? "", file: file, line: line)
        events = try await oidc.auditEvents()
        XCTAssertEqual(events.count, before + 1, file: file, line: line)
        let denied = try XCTUnwrap(events.last, file: file, line: line)
        XCTAssertFalse(denied.success, file: file, line: line)
        XCTAssertEqual(denied.attributes["claim.sub"], (method.mismatch["sub"] ?? method.claims["sub"])?.stringValue, file: file, line: line)
        XCTAssertTrue(denied.reason?.contains(method.refusal) == true, denied.reason ?? "", file: file, line: line)

        // A token from an issuer this token does not trust: refused before any rule is read.
        var claims = method.claims
        claims["aud"] = .string(method.audience(oidc.issuer))
        let foreign = try await oidc.issuer.mint(issuer: "someone-else", claims: claims)
        let forged = method.variable.map { [$0: foreign] }
        if let forged {
            let error = await oidc.refusal(method: method.method, token: "\(method.method)-bot", environment: forged, file: file, line: line)
            XCTAssertEqual(error?.kind, .accessDenied, file: file, line: line)
            XCTAssertTrue(error?.message.contains("not by \(oidc.issuer.issuerURL(method.issuerPath(oidc.issuer)))") == true
                || error?.message.contains("does not publish") == true, error?.message ?? "", file: file, line: line)
        }
    }

    func testGitHub() async throws { try await run(.github) }
    func testGitLab() async throws { try await run(.gitlab) }
    func testCircleCI() async throws { try await run(.circleci) }
    func testBitbucket() async throws { try await run(.bitbucket) }
    func testTerraformCloud() async throws { try await run(.terraformCloud) }
    func testSpacelift() async throws { try await run(.spacelift) }
    func testAzureDevOps() async throws { try await run(.azureDevOps) }
    func testEnv0() async throws { try await run(.env0) }
    func testGenericOIDC() async throws { try await run(.genericOIDC) }
    func testKubernetes() async throws { try await run(.kubernetes) }
    func testGCP() async throws { try await run(.gcp) }

    /// Every forged or wrong ID token, through the whole pipeline: refused with its reason,
    /// one failed audit event each with the issuer but no claim (none was verified), and not
    /// one backend item written.
    func testEachForgeryIsRefusedAuditedOnceAndStoresNothing() async throws {
        let method = OIDCMethodCase.gitlab
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "gl-forgeries", issuer: oidc.issuer))
            // Keys fetched by an honest join first, so each refusal below is the token's alone.
            _ = try await oidc.joinBot(method: "gitlab", token: "gl-forgeries", environment: try await method.joinerEnvironment(oidc.issuer))
            let now = Date().timeIntervalSince1970
            var valid = method.claims
            valid["aud"] = .string(TestCluster.clusterName)
            let forgeries: [(String, () async throws -> String, String)] = [
                ("unpublished key", { try await oidc.issuer.mint(issuer: "", claims: valid, key: .unpublished) }, "does not publish"),
                ("alg none", { try await oidc.issuer.mint(issuer: "", claims: valid, key: .none) }, "is not signed (alg \"none\")"),
                ("HS256 with the public key", { try await oidc.issuer.mint(issuer: "", claims: valid, key: .hs256PublicKey) }, "signed with HMAC"),
                ("another issuer", { try await oidc.issuer.mint(issuer: "elsewhere", claims: valid) }, "does not publish"),
                ("wrong audience", { try await oidc.issuer.mint(issuer: "", claims: valid.merging(["aud": .string("other.example.com")]) { $1 }) }, "is not \"test.example.com\""),
                ("expired", { try await oidc.issuer.mint(issuer: "", claims: valid.merging(["iat": .number(now - 900), "nbf": .number(now - 900), "exp": .number(now - 300)]) { $1 }) }, "expired at"),
                ("not yet valid", { try await oidc.issuer.mint(issuer: "", claims: valid.merging(["nbf": .number(now + 900), "exp": .number(now + 1200)]) { $1 }) }, "not valid before"),
                ("too old", { try await oidc.issuer.mint(issuer: "", claims: valid.merging(["iat": .number(now - 25 * 3600), "nbf": .number(now - 25 * 3600), "exp": .number(now + 600)]) { $1 }) }, "more than 24 hours ago"),
            ]
            for (name, mint, expected) in forgeries {
                let before = try await oidc.cluster.backend.range(prefix: "/").map { "\($0.key)@\($0.revision)" }
                let events = try await oidc.auditEvents().count
                let error = await oidc.refusal(method: "gitlab", token: "gl-forgeries", environment: ["TBOT_GITLAB_JWT": try await mint()])
                XCTAssertEqual(error?.kind, .accessDenied, name)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
                let after = try await oidc.cluster.backend.range(prefix: "/").map { "\($0.key)@\($0.revision)" }
                XCTAssertEqual(after, before, "\(name): the backend changed")
                let audited = try await oidc.auditEvents()
                XCTAssertEqual(audited.count, events + 1, name)
                XCTAssertEqual(audited.last?.success, false, name)
                XCTAssertEqual(audited.last?.attributes["oidc_issuer"], oidc.issuer.issuerURL(""), name)
                XCTAssertNil(audited.last?.attributes["claim.sub"], "\(name): no claim was verified")
                XCTAssertTrue(audited.last?.reason?.contains(expected) == true, "\(name): \(audited.last?.reason ?? "")")
            }
        }
    }

    func testANodeJoinsWithAnOIDCToken() async throws {
        let method = OIDCMethodCase.gitlab
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "gitlab-node", issuer: oidc.issuer, roles: "[Node]"))
            let environment = try await method.joinerEnvironment(oidc.issuer)
            let identity = try await oidc.joinNode(method: "gitlab", token: "gitlab-node", environment: environment)
            XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
            XCTAssertEqual(UUID(uuidString: identity.hostID)?.uuidString.lowercased(), identity.hostID.lowercased())
        }
    }

    func testAMissingIDTokenIsTheJoinersErrorAndNamesWhatToDo() async throws {
        let cases: [(OIDCMethodCase, String)] = [
            (.github, "ACTIONS_ID_TOKEN_REQUEST_URL environment variable missing: this job has no id-token permission"),
            (.gitlab, "TBOT_GITLAB_JWT environment variable missing: give the job an ID token"),
            (.azureDevOps, "SYSTEM_ACCESSTOKEN environment variable missing"),
            (.env0, "ENV0_OIDC_TOKEN environment variable missing: ensure 'Enable OIDC during deployments' is enabled"),
        ]
        try await OIDCCluster.run(plugins: cases.map(\.0.plugin)) { oidc in
            for (method, expected) in cases {
                try await oidc.createToken(method.tokenYAML(name: "\(method.method)-missing", issuer: oidc.issuer))
                let error = await oidc.refusal(method: method.method, token: "\(method.method)-missing")
                XCTAssertEqual(error?.kind, .badParameter, method.method)
                XCTAssertTrue(error?.message.contains(expected) == true, "\(method.method): \(error?.message ?? "")")
            }
            let events = try await oidc.auditEvents()
            XCTAssertTrue(events.allSatisfy { $0.success == false || $0.method != "github" })
        }
    }

    func testTheGitHubTokenServiceIsAskedForTeleportsAudienceWithTheJobsRequestToken() async throws {
        let method = OIDCMethodCase.github
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "gh", issuer: oidc.issuer))
            var environment = try await method.joinerEnvironment(oidc.issuer)
            _ = try await oidc.joinBot(method: "github", token: "gh", environment: environment)
            let requests = try await oidc.issuer.platformRequests()
            let request = try XCTUnwrap(requests.last)
            XCTAssertEqual(request["query"]?["audience"], .string("teleport.cluster.local"))
            XCTAssertEqual(request["headers"]?["authorization"], .string("Bearer gh-request-secret"))

            environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "stolen-guess"
            let error = await oidc.refusal(method: "github", token: "gh", environment: environment)
            XCTAssertEqual(error?.kind, .accessDenied)
            XCTAssertTrue(error?.message.contains("GitHub Actions ID token service answered HTTP 401") == true, error?.message ?? "")
        }
    }

    func testKeyRotationAtTheIssuerNeedsNoRestartAndADownIssuerKeepsCachedKeysServing() async throws {
        let method = OIDCMethodCase.gitlab
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "gl", issuer: oidc.issuer))
            _ = try await oidc.joinBot(method: "gitlab", token: "gl", environment: try await method.joinerEnvironment(oidc.issuer))
            _ = try await oidc.issuer.rotate(issuer: "", retireOld: true)
            let rotated = try await method.joinerEnvironment(oidc.issuer)
            let identity = try await oidc.joinBot(method: "gitlab", token: "gl", environment: rotated)
            XCTAssertEqual(identity.botName, "ci-bot")

            try await oidc.issuer.setAvailable(false)
            let cached = try await oidc.joinBot(method: "gitlab", token: "gl", environment: rotated)
            XCTAssertEqual(cached.botName, "ci-bot")
        }
    }

    func testWithNoCachedKeysADownIssuerFailsAsUnavailableNamingIt() async throws {
        let method = OIDCMethodCase.bitbucket
        try await OIDCCluster.run(plugins: [method.plugin]) { oidc in
            try await oidc.createToken(method.tokenYAML(name: "bb", issuer: oidc.issuer))
            let environment = try await method.joinerEnvironment(oidc.issuer)
            try await oidc.issuer.setAvailable(false)
            let error = await oidc.refusal(method: "bitbucket", token: "bb", environment: environment)
            XCTAssertEqual(error?.kind, .unavailable)
            XCTAssertTrue(error?.message.contains("the OIDC issuer \(oidc.issuer.issuerURL("bitbucket"))") == true, error?.message ?? "")
            let events = try await oidc.auditEvents()
            let event = try XCTUnwrap(events.last)
            XCTAssertFalse(event.success)
            XCTAssertNil(event.attributes["claim.sub"], "no claim was verified")
            XCTAssertEqual(event.attributes["oidc_issuer"], oidc.issuer.issuerURL("bitbucket"))
        }
    }
}
