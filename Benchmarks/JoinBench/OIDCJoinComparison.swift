import Agent
import Foundation
import GitLabJoin
import JoinCore
import Logging
import StaticJoin
import TestSupport
import TokenJoin

/// The cost of an OIDC join next to a token join, in one run on one Auth server: the same
/// storm of joiners with a `token` token, then with a `gitlab` token whose issuer (the Python
/// test issuer over HTTPS on 127.0.0.1) published its keys once, before the storm, so every
/// join verifies its ID token against the cached JWKS.
struct OIDCJoinComparison {
    var token: JoinStorm
    var gitlab: JoinStorm
    /// JWKS fetches the storm caused (0 when the cache held).
    var jwksFetchesDuringStorm: Int

    static func run(joiners: Int) async throws -> OIDCJoinComparison {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-oidc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let issuer = try await OIDCTestIssuer.start(in: directory)
        do {
            let result = try await measure(issuer: issuer, joiners: joiners)
            await issuer.stop()
            return result
        } catch {
            await issuer.stop()
            throw error
        }
    }

    private static func measure(issuer: OIDCTestIssuer, joiners: Int) async throws -> OIDCJoinComparison {
        let trust = ["SSL_CERT_FILE": issuer.caFile.path]
        let gitlab = JoinMethodPlugin.gitlab
        let trusting = JoinMethodPlugin(name: gitlab.name, joinParamsSections: gitlab.joinParamsSections,
                                        makeMethod: { context in
                                            var context = context
                                            context.environment = trust
                                            return try gitlab.makeMethod(context)
                                        },
                                        makeProver: gitlab.makeProver)
        let cluster = try await TestCluster(
            registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens, trusting]),
            rateLimits: .init(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000))
        let address = try await cluster.start()
        do {
            var token = ProvisionToken(name: "bench-gitlab", roles: [.node], joinMethod: "gitlab", expires: Date().addingTimeInterval(3600))
            token.spec.methodSections["gitlab"] = .object([
                "domain": .string("127.0.0.1:\(issuer.port)"),
                "allow": .array([.object(["project_path": .string("octo/*")])]),
            ])
            _ = try await cluster.server.tokens.create(token, upsert: false)
            let jwt = try await issuer.mint(issuer: "", claims: [
                "aud": .string(TestCluster.clusterName), "sub": .string("project_path:octo/app:ref_type:branch:ref:main"),
                "project_path": .string("octo/app"), "exp": .number(Date().timeIntervalSince1970 + 3000),
            ])
            let client = JoinClient(registry: cluster.registry, clock: cluster.clock, logger: Logger(label: "bench"),
                                    proverContext: ProverContext(environment: ["TBOT_GITLAB_JWT": jwt]))
            let pins = cluster.pins()
            // One join fills the key cache; the storm then never fetches.
            _ = try await client.join(JoinParameters(authServer: address, tokenName: "bench-gitlab", method: "gitlab",
                                                     role: .node, nodeName: "warm-up", caPins: pins))
            let fetchesBefore = try await issuer.jwksFetches(issuer: "")
            let tokenStorm = try await JoinStorm.run(cluster: cluster, address: address, joiners: joiners, pinned: true)
            let gitlabStorm = await JoinStorm.run(client: client, address: address, token: "bench-gitlab", method: "gitlab",
                                                  joiners: joiners, pins: pins)
            let fetchesAfter = try await issuer.jwksFetches(issuer: "")
            await cluster.stop()
            return OIDCJoinComparison(token: tokenStorm, gitlab: gitlabStorm, jwksFetchesDuringStorm: fetchesAfter - fetchesBefore)
        } catch {
            await cluster.stop()
            throw error
        }
    }
}
