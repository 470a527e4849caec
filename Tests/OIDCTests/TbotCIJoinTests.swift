import Foundation
import JoinCore
import TestSupport
import XCTest

/// tbot as CI guides run it, against the real `teleport` and `tctl` binaries and the test
/// issuer: `tbot start identity --join-method=github` asking the GitHub-style token service,
/// gitlab from its job variable with Teleport's environment variables instead of flags, and
/// generic_oidc from a tbot.yaml whose token comes from a command, with flags over the file.
final class TbotCIJoinTests: XCTestCase {
    private var cluster: ClusterProcesses?
    private var issuer: OIDCTestIssuer?
    private var directory: URL!

    override func tearDown() async throws {
        await cluster?.stop()
        await issuer?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private static var tbot: URL { ClusterProcesses.binaries.appendingPathComponent("tbot") }

    /// A started Auth server (and Proxy Service) whose OIDC methods trust the test issuer.
    private func start(withProxy: Bool = false) async throws -> (ClusterProcesses, OIDCTestIssuer) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tbot-ci-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let issuer = try await OIDCTestIssuer.start(in: directory)
        self.issuer = issuer
        let cluster = try ClusterProcesses(authEnvironment: [
            "SSL_CERT_FILE": issuer.caFile.path,
            "JOINERY_OIDC_ISSUER_URL_GITHUB": issuer.issuerURL("github"),
        ], withProxy: withProxy)
        self.cluster = cluster
        try await cluster.startAuth()
        try write("bot.yaml", """
            kind: bot
            version: v1
            metadata:
              name: ci-bot
            spec:
              roles: []
            """)
        let bot = try cluster.tctl(["create", path("bot.yaml")])
        XCTAssertEqual(bot.status, 0, bot.combined)
        return (cluster, issuer)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    private func createToken(_ cluster: ClusterProcesses, _ yaml: String) throws {
        try write("token.yaml", yaml)
        let created = try cluster.tctl(["create", "-f", path("token.yaml")])
        XCTAssertEqual(created.status, 0, created.combined)
    }

    /// The identity output tbot wrote, checked with openssl: a certificate for the bot.
    private func assertIdentity(at output: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        XCTAssertEqual(names, ["identity", "key", "key-cert.pub", "key.pub", "sshcacerts", "tlscacerts", "tlscert"], file: file, line: line)
        let subject = try Command.run("/usr/bin/openssl", ["x509", "-noout", "-subject", "-in", output + "/tlscert"])
        XCTAssertEqual(subject.status, 0, subject.combined, file: file, line: line)
        XCTAssertTrue(subject.stdout.contains("bot-ci-bot"), subject.stdout, file: file, line: line)
    }

    /// The last join event's JSON, from `tctl audit ls`.
    private func lastJoinEvent(_ cluster: ClusterProcesses) throws -> [String: Any] {
        let listing = try cluster.tctl(["audit", "ls", "--format=json"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        // One JSON object per line.
        let events = try listing.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        return try XCTUnwrap(events.last(where: { ($0["type"] as? String)?.hasSuffix(".join") == true }))
    }

    func testGitHubActionsJobJoinsThroughTheProxyWithoutAConfigFile() async throws {
        let (cluster, issuer) = try await start(withProxy: true)
        try createToken(cluster, """
            kind: token
            version: v2
            metadata:
              name: github-token
            spec:
              roles: [Bot]
              join_method: github
              bot_name: ci-bot
              github:
                allow:
                  - repository: octo/app
                    ref: refs/heads/main
            """)
        try await issuer.configurePlatform("github", issuer: "github", claims: [
            "sub": .string("repo:octo/app:ref:refs/heads/main"), "repository": .string("octo/app"),
            "repository_owner": .string("octo"), "ref": .string("refs/heads/main"), "ref_type": .string("branch"),
        ], requestToken: "job-request-token")
        // The runner trusts both the Proxy Service's self-signed certificate and the issuer's CA.
        let bundle = try String(contentsOfFile: cluster.proxyCAPath, encoding: .utf8)
            + (try String(contentsOf: issuer.caFile, encoding: .utf8))
        try write("bundle.pem", bundle)
        let result = try Command.run(Self.tbot, [
            "start", "identity", "--join-method=github", "--token=github-token", "--proxy-server=\(cluster.proxyAddress)",
            "--destination=\(path("tbot-user"))", "--storage=\(path("tbot-state"))", "--oneshot",
        ], environment: [
            "ACTIONS_ID_TOKEN_REQUEST_URL": issuer.githubRequestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "job-request-token",
            "SSL_CERT_FILE": path("bundle.pem"),
        ], timeout: 90)
        XCTAssertEqual(result.status, 0, result.combined)
        try assertIdentity(at: path("tbot-user"))
        let requests = try await issuer.platformRequests()
        XCTAssertEqual(requests.last?["query"]?["audience"], .string("teleport.cluster.local"))
        let event = try lastJoinEvent(cluster)
        XCTAssertEqual(event["method"] as? String, "github")
        XCTAssertEqual(event["success"] as? Bool, true)
        let attributes = event["attributes"] as? [String: String] ?? [:]
        XCTAssertEqual(attributes["claim.repository"], "octo/app")
        XCTAssertFalse(result.combined.contains("job-request-token"), "the request token never reaches the log")
    }

    func testGitLabJobJoinsWithTeleportsEnvironmentVariables() async throws {
        let (cluster, issuer) = try await start()
        try createToken(cluster, """
            kind: token
            version: v2
            metadata:
              name: gitlab-token
            spec:
              roles: [Bot]
              join_method: gitlab
              bot_name: ci-bot
              gitlab:
                domain: 127.0.0.1:\(issuer.port)
                allow:
                  - project_path: octo/*
                    ref_type: branch
            """)
        let jwt = try await issuer.mint(issuer: "", claims: [
            "aud": .string("it.example.com"), "sub": .string("project_path:octo/app:ref_type:branch:ref:main"),
            "project_path": .string("octo/app"), "ref_type": .string("branch"),
        ])
        let environment = [
            "TBOT_GITLAB_JWT": jwt, "TELEPORT_AUTH_SERVER": cluster.authAddress, "TELEPORT_BOT_TOKEN": "gitlab-token",
            "SSL_CERT_FILE": issuer.caFile.path,
        ]
        let arguments = ["start", "identity", "--join-method=gitlab", "--ca-pin=\(try cluster.caPin())",
                         "--destination=\(path("out"))", "--storage=\(path("state"))", "--oneshot"]
        let result = try Command.run(Self.tbot, arguments, environment: environment, timeout: 90)
        XCTAssertEqual(result.status, 0, result.combined)
        try assertIdentity(at: path("out"))
        XCTAssertFalse(result.combined.contains(jwt), "the ID token never reaches the log")

        // A job of another project: refused, in words that say why.
        let other = try await issuer.mint(issuer: "", claims: [
            "aud": .string("it.example.com"), "sub": .string("project_path:evil/app:ref_type:branch:ref:main"),
            "project_path": .string("evil/app"), "ref_type": .string("branch"),
        ])
        let refused = try Command.run(Self.tbot, arguments.map { $0.replacingOccurrences(of: path("out"), with: path("out2")) },
                                      environment: environment.merging(["TBOT_GITLAB_JWT": other]) { $1 }, timeout: 90)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.combined.contains("did not match any allow rules"), refused.combined)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out2") + "/tlscert"))
    }

    func testGenericOIDCFromAConfigFileWithATokenCommandAndFlagsOverIt() async throws {
        let (cluster, issuer) = try await start()
        let ca = try String(contentsOf: issuer.caFile, encoding: .utf8)
        try createToken(cluster, """
            kind: token
            version: v2
            metadata:
              name: workload-token
            spec:
              roles: [Bot]
              join_method: generic_oidc
              bot_name: ci-bot
              generic_oidc:
                issuer: \(issuer.issuerURL("workloads"))
                audience: it.example.com/workload-token
                tls_ca: |
            \(ca.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
                must_match_fields:
                  team: payments
            """)
        let jwt = try await issuer.mint(issuer: "workloads", claims: [
            "aud": .string("it.example.com/workload-token"), "sub": .string("svc-1"), "team": .string("payments"),
        ])
        try write("jwt", jwt + "\n")
        try write("tbot.yaml", """
            version: v2
            auth_server: \(cluster.authAddress)
            onboarding:
              join_method: generic_oidc
              token: workload-token
              ca_pins: ["\(try cluster.caPin())"]
              generic_oidc:
                token_command: ["/bin/cat", "\(path("jwt"))"]
            storage:
              type: directory
              path: \(path("state"))
            certificate_ttl: 1h
            """)
        let result = try Command.run(Self.tbot, ["start", "identity", "-c", path("tbot.yaml"), "--certificate-ttl=30m",
                                                 "--destination=\(path("out"))", "--oneshot"], timeout: 90)
        XCTAssertEqual(result.status, 0, result.combined)
        try assertIdentity(at: path("out"))
        XCTAssertTrue(result.combined.contains("CLI parameters are overriding configuration: --certificate-ttl=30m"), result.combined)
        let event = try lastJoinEvent(cluster)
        XCTAssertEqual(event["method"] as? String, "generic_oidc")
        XCTAssertEqual((event["attributes"] as? [String: String])?["claim.team"], "payments")
    }
}
