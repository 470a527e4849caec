import Agent
import Foundation
import JoinCore
import Logging
import OIDCKit
import Server
import TestSupport
import XCTest
import Yams

/// A real OIDC issuer (the Python one, over HTTPS on 127.0.0.1) and an in-process Auth server
/// whose OIDC methods trust its CA (`SSL_CERT_FILE`), for the OIDC methods' suites. Every
/// method is made with `environment` (the issuer's CA and the issuer URL overrides), so each
/// platform's fixed issuer is this one.
final class OIDCCluster: @unchecked Sendable {
    let issuer: OIDCTestIssuer
    let cluster: TestCluster
    let environment: [String: String]
    let directory: URL

    /// - Parameter extraEnvironment: more of the Auth server's environment, made once the
    ///   issuer runs (its port, its CA) in the issuer's directory.
    static func start(plugins: [JoinMethodPlugin], clock: any JoinClock = SystemClock(),
                      extraEnvironment: (OIDCTestIssuer) throws -> [String: String] = { _ in [:] }) async throws -> OIDCCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let issuer = try await OIDCTestIssuer.start(in: directory)
        do {
            let environment = Self.environment(issuer: issuer).merging(try extraEnvironment(issuer)) { $1 }
            let registry = Self.registry(plugins, environment: environment)
            let cluster = try await TestCluster(registry: registry, clock: clock)
            _ = try await cluster.start()
            return OIDCCluster(issuer: issuer, cluster: cluster, environment: environment, directory: directory)
        } catch {
            await issuer.stop()
            throw error
        }
    }

    /// Starts a cluster, runs `body` with it and stops it, whether `body` throws or not.
    static func run(plugins: [JoinMethodPlugin], clock: any JoinClock = SystemClock(),
                    extraEnvironment: (OIDCTestIssuer) throws -> [String: String] = { _ in [:] },
                    _ body: (OIDCCluster) async throws -> Void) async throws {
        let oidc = try await start(plugins: plugins, clock: clock, extraEnvironment: extraEnvironment)
        do {
            try await body(oidc)
        } catch {
            await oidc.stop()
            throw error
        }
        await oidc.stop()
    }

    private init(issuer: OIDCTestIssuer, cluster: TestCluster, environment: [String: String], directory: URL) {
        self.issuer = issuer
        self.cluster = cluster
        self.environment = environment
        self.directory = directory
    }

    func stop() async {
        await cluster.stop()
        await issuer.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The Auth server's environment: trust the issuer's CA, and send every method whose
    /// issuer is fixed to an issuer path of the same name.
    static func environment(issuer: OIDCTestIssuer) -> [String: String] {
        var environment = ["SSL_CERT_FILE": issuer.caFile.path]
        for method in ["github", "circleci", "terraform_cloud", "azure_devops", "env0", "gcp"] {
            environment[IssuerContext.overrideVariable(method: method)] = issuer.issuerURL(method)
        }
        return environment
    }

    /// `plugins` with `environment` as the method's environment, and over the prover's (the
    /// test machine's own `SSL_CERT_FILE` must not win over the issuer's CA).
    static func registry(_ plugins: [JoinMethodPlugin], environment: [String: String]) -> JoinMethodRegistry {
        JoinMethodRegistry(plugins: plugins.map { plugin in
            JoinMethodPlugin(
                name: plugin.name, authServiceKeys: plugin.authServiceKeys, joinParamsSections: plugin.joinParamsSections,
                makeMethod: { context in
                    var context = context
                    context.environment = environment
                    return try plugin.makeMethod(context)
                },
                makeProver: { context in
                    var context = context
                    context.environment = context.environment.merging(environment) { _, harness in harness }
                    return try plugin.makeProver(context)
                })
        })
    }

    /// Stores the token `yaml` describes, through the methods' validation.
    @discardableResult
    func createToken(_ yaml: String) async throws -> ProvisionToken {
        let token = try YAMLDecoder().decode(ProvisionToken.self, from: yaml)
        if !token.spec.botName.isEmpty { try await cluster.addBot(token.spec.botName) }
        return try await cluster.server.tokens.create(token, upsert: false)
    }

    /// A join client whose prover sees `environment` (plus the issuer's CA) and `joinParams`.
    func client(environment: [String: String], joinParams: JSONValue) -> JoinClient {
        let context = ProverContext(clock: cluster.clock, joinParams: joinParams,
                                    environment: environment.merging(["SSL_CERT_FILE": issuer.caFile.path]) { mine, _ in mine })
        return JoinClient(registry: cluster.registry, clock: cluster.clock, logger: Logger(label: "oidc-test"), proverContext: context)
    }

    func parameters(method: String, token: String, role: SystemRole) throws -> JoinParameters {
        JoinParameters(authServer: try XCTUnwrap(cluster.address), tokenName: token, method: method,
                       role: role, nodeName: role == .bot ? "" : "ci-node", caPins: cluster.pins())
    }

    /// A bot's join with `token`, the joiner's environment being `environment`.
    func joinBot(method: String, token: String, environment: [String: String] = [:],
                 joinParams: JSONValue = .object([:])) async throws -> BotIdentity {
        try await client(environment: environment, joinParams: joinParams)
            .joinBot(try parameters(method: method, token: token, role: .bot))
    }

    /// A node's join with `token`.
    func joinNode(method: String, token: String, environment: [String: String] = [:],
                  joinParams: JSONValue = .object([:])) async throws -> Identity {
        try await client(environment: environment, joinParams: joinParams)
            .join(try parameters(method: method, token: token, role: .node))
    }

    /// The refusal of a bot's join, or a test failure when it succeeded.
    func refusal(method: String, token: String, environment: [String: String] = [:],
                 joinParams: JSONValue = .object([:]), file: StaticString = #filePath, line: UInt = #line) async -> JoinError? {
        await expectedRefusal(file: file, line: line) {
            _ = try await joinBot(method: method, token: token, environment: environment, joinParams: joinParams)
        }
    }

    /// The audit events, oldest first.
    func auditEvents() async throws -> [AuditEvent] {
        try await cluster.backend.auditEvents(limit: 1000)
    }
}
