import BoundKeypairJoin
import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import TokenJoin
import XCTest

/// The `bound_keypair` method against the join-method conformance kit (DESIGN.md §4.4): bots
/// onboarding with a registration secret (the key they generate is bound by a rotation round,
/// then proved by a signed challenge); the secret is the single-use case.
final class ConformanceTests: XCTestCase {
    struct BoundKeypairSubject: ConformanceSubject {
        static let botName = "conformance-robot"

        let methodName = BoundKeypairJoinMethod.methodName
        let registry = JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair])
        let traits = ConformanceTraits(challenges: .everyJoin, refusedRole: .node)

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            let (name, secret) = try await createToken(in: cluster, ttl: 3600)
            return try join(name, secret: secret, in: cluster)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let (name, secret) = try await createToken(in: cluster, ttl: 60)
            clock.advance(by: 61)
            return .prepared(try join(name, secret: secret, in: cluster))
        }

        /// One registration secret, and as many bots (each with its own empty storage) holding it.
        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            let (name, secret) = try await createToken(in: cluster, ttl: 3600)
            return .prepared(try (0..<clients).map { _ in try join(name, secret: secret, in: cluster) })
        }

        /// A token whose server-generated registration secret lets one bot bind its key.
        private func createToken(in cluster: TestCluster, ttl: TimeInterval) async throws -> (name: String, secret: String) {
            try await cluster.addBot(Self.botName)
            let name = "bkp-conformance-" + UUID().uuidString.lowercased()
            var token = ProvisionToken(name: name, roles: [.bot], joinMethod: BoundKeypairJoinMethod.methodName,
                                       expires: cluster.clock.now.addingTimeInterval(ttl))
            token.spec.botName = Self.botName
            // Relaxed recovery: the same bot may join again without presenting its certificates
            // (the replay check joins twice honestly before replaying).
            token.spec.methodSections["bound_keypair"] = .object(["recovery": .object(["mode": .string("relaxed")])])
            let created = try await cluster.server.tokens.create(token, upsert: false)
            let secret = try XCTUnwrap(created.status?["bound_keypair"]?["registration_secret"]?.stringValue,
                                       "tctl create generates a registration secret")
            return (name, secret)
        }

        /// A bot with an empty storage directory of its own and the secret in its join_params.
        private func join(_ name: String, secret: String, in cluster: TestCluster) throws -> ConformanceJoin {
            let storage = cluster.directory.appendingPathComponent("bkp-storage-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
            return ConformanceJoin(tokenName: name, role: .bot, joinParams: .object(["bound_keypair": .object(["registration_secret": .string(secret)])]),
                                   dataDirectory: storage)
        }
    }

    func testBoundKeypairMethodConformsToTheJoinMethodContract() async {
        let report = await JoinMethodConformanceKit.run(BoundKeypairSubject())
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [], report.description)
        print(report)
    }
}
