import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import X509PopJoin
import XCTest

/// x509pop against Joinery's join-method conformance kit: every check, in a real in-process
/// Auth server, with the method's real prover and a test CA made here.
final class ConformanceTests: XCTestCase {
    /// The method as the kit sees it. The kit makes each cluster's methods from the registry
    /// *while* it makes the cluster, before a subject can write into the cluster's directory,
    /// so the CA bundle and the host's files live in a scratch directory of the subject's own
    /// (removed by the test), and reach the method through ``X509Pop/plugin(serverSettings:proverSettings:)``
    /// exactly as the program's `config` would.
    struct X509PopSubject: ConformanceSubject {
        let methodName = X509Pop.methodName
        let registry: JoinMethodRegistry
        let traits = ConformanceTraits(challenges: .everyJoin, refusedRole: .proxy)
        let files: ScratchDirectory

        init() throws {
            files = try ScratchDirectory()
            let now = Date()
            let root = try TestCA.root(now: now)
            let host = try TestHost.issued(by: root, intermediates: [try root.intermediate(now: now)], now: now)
            let server: JSONValue = .object(["ca_bundle_path": .string(try files.write("ca.pem", root.certificate.pem))])
            let prover: JSONValue = .object([
                "certificate_path": .string(try files.write("host.pem", host.chain.map(\.pem).joined())),
                "private_key_path": .string(try files.write("host.key", host.key.pemRepresentation)),
            ])
            registry = JoinMethodRegistry(plugins: [X509Pop.plugin(serverSettings: server, proverSettings: prover)])
        }

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: try await createToken(in: cluster, ttl: 3600))
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = try await createToken(in: cluster, ttl: 60)
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("x509pop tokens are multi-use until they expire and attestation never changes a token (an external "
                + "method cannot); each join's proof is a signature over a fresh nonce, so there is no one-time state to race for")
        }

        /// A Node token of the method whose rules admit the host's certificate.
        private func createToken(in cluster: TestCluster, ttl: TimeInterval) async throws -> String {
            let name = "x509pop-conformance-" + UUID().uuidString.lowercased()
            var token = ProvisionToken(name: name, roles: [.node], joinMethod: X509Pop.methodName,
                                       expires: cluster.clock.now.addingTimeInterval(ttl))
            token.spec.methodSections[X509Pop.tokenSection] = .object(["allow": .array([.object(["common_name": .string("web-*")])])])
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    func testX509PopConformsToTheJoinMethodContract() async throws {
        let subject = try X509PopSubject()
        defer { subject.files.remove() }
        let report = await JoinMethodConformanceKit.run(subject)
        print(report)
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.concurrentUse], report.description)
    }
}
