import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import TokenJoin
import XCTest

/// The `token` method against the join-method conformance kit (DESIGN.md §4.4): host tokens
/// for the common checks, a bot token (single use) for the race.
final class ConformanceTests: XCTestCase {
    struct TokenSubject: ConformanceSubject {
        let methodName = TokenJoinMethod.methodName
        let registry = JoinMethodRegistry(plugins: [.storedTokens])
        let traits = ConformanceTraits(
            challenges: .never(replayDefence: "the token's name is the whole proof, sent in ClientInit; host tokens are "
                + "multi-use until they expire, and a bot token is consumed by a compare-and-swap in the one join that uses it"),
            refusedRole: .proxy)

        /// A fresh 32-hex-digit token value.
        private static func newValue() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            let name = Self.newValue()
            try await cluster.addToken(name, roles: [.node])
            return ConformanceJoin(tokenName: name, role: .node)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = Self.newValue()
            try await cluster.addToken(name, roles: [.node], ttl: 60)
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name, role: .node))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            let name = Self.newValue()
            try await cluster.addToken(name, roles: [.bot], botName: "conformance-bot")
            return .prepared(Array(repeating: ConformanceJoin(tokenName: name, role: .bot), count: clients))
        }
    }

    func testTokenMethodConformsToTheJoinMethodContract() async {
        let report = await JoinMethodConformanceKit.run(TokenSubject())
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.replayedSolution, .cancelledStream], report.description)
        print(report)
    }
}
