import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import Yams
import XCTest

/// Every OIDC method against the join-method conformance kit (DESIGN.md §4.4), each with a
/// real issuer over HTTPS and its job's ID token delivered the platform's way.
final class ConformanceTests: XCTestCase {
    struct OIDCSubject: ConformanceSubject {
        let method: OIDCMethodCase
        let issuer: OIDCTestIssuer
        /// The Auth server's environment and the joiner's, in one (the registry gives both halves it).
        let environment: [String: String]

        var methodName: String { method.method }
        var registry: JoinMethodRegistry { OIDCCluster.registry([method.plugin], environment: environment) }
        var traits: ConformanceTraits {
            ConformanceTraits(
                challenges: .never(replayDefence: "the proof is the platform-signed ID token sent in ClientInit, as in Teleport; "
                    + "a copied ID token is good only for the issuer, audience and rules of this token, until it expires (at "
                    + "most an hour after it was issued), and only over a TLS connection that pins the cluster's CA"),
                refusedRole: .node)
        }

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: try await createToken(in: cluster, expires: nil), role: .bot)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = try await createToken(in: cluster, expires: clock.now.addingTimeInterval(60))
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name, role: .bot))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("\(method.method) tokens are multi-use until they expire: every job of the allowed pipelines joins with its own ID token")
        }

        private func createToken(in cluster: TestCluster, expires: Date?) async throws -> String {
            let name = "\(method.method)-conformance-" + UUID().uuidString.lowercased().prefix(8)
            let token = try YAMLDecoder().decode(ProvisionToken.self, from: method.tokenYAML(name: name, issuer: issuer, expires: expires))
            try await cluster.addBot("ci-bot")
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    private func conform(_ method: OIDCMethodCase) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let issuer = try await OIDCTestIssuer.start(in: directory)
        do {
            let joiner = try await method.joinerEnvironment(issuer)
            let environment = OIDCCluster.environment(issuer: issuer).merging(joiner) { $1 }
            let report = await JoinMethodConformanceKit.run(OIDCSubject(method: method, issuer: issuer, environment: environment))
            await issuer.stop()
            try? FileManager.default.removeItem(at: directory)
            assertConforms(report)
            XCTAssertEqual(report.notApplicableChecks, [.replayedSolution, .cancelledStream, .concurrentUse], report.description)
        } catch {
            await issuer.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func testGitHubConforms() async throws { try await conform(.github) }
    func testGitLabConforms() async throws { try await conform(.gitlab) }
    func testCircleCIConforms() async throws { try await conform(.circleci) }
    func testBitbucketConforms() async throws { try await conform(.bitbucket) }
    func testTerraformCloudConforms() async throws { try await conform(.terraformCloud) }
    func testSpaceliftConforms() async throws { try await conform(.spacelift) }
    func testAzureDevOpsConforms() async throws { try await conform(.azureDevOps) }
    func testEnv0Conforms() async throws { try await conform(.env0) }
    func testGenericOIDCConforms() async throws { try await conform(.genericOIDC) }
    func testKubernetesConforms() async throws { try await conform(.kubernetes) }
    func testGCPConforms() async throws { try await conform(.gcp) }
}
