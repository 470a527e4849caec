import Foundation
import JoinCore
import JoinMethodConformance
import StaticJoin
import TestSupport
import XCTest

/// The `static` method against the join-method conformance kit (DESIGN.md §4.4).
final class ConformanceTests: XCTestCase {
    /// One static token from `auth_service.tokens`, allowing Node and Proxy.
    struct StaticSubject: ConformanceSubject {
        static let tokenValue = "conformance-static-0123456789abcdef"

        let methodName = StaticJoinMethod.methodName
        let registry = JoinMethodRegistry(plugins: [.staticTokens])
        var authService: [String: JSONValue] { ["tokens": .array([.string("node,proxy:\(Self.tokenValue)")])] }
        let traits = ConformanceTraits(
            challenges: .never(replayDefence: "the token value is the whole proof and a static token is multi-use by design, "
                + "so a join's bytes replayed prove nothing more than the value itself"),
            refusedRole: .auth)

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: Self.tokenValue, role: .node)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            .notApplicable("static tokens come from the Auth server's teleport.yaml (auth_service.tokens) and never expire")
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("static tokens are multi-use and cannot carry the Bot role, so nothing about them is single use")
        }
    }

    func testStaticMethodConformsToTheJoinMethodContract() async {
        let report = await JoinMethodConformanceKit.run(StaticSubject())
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.expiredToken, .replayedSolution, .cancelledStream, .concurrentUse], report.description)
        print(report)
    }
}
