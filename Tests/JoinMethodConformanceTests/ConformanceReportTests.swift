import JoinMethodConformance
import XCTest

/// The report reads as one heading and one line per check, whatever the reasons contain.
final class ConformanceReportTests: XCTestCase {
    private let report = ConformanceReport(methodName: "demo", results: [
        ConformanceCheckResult(check: .unknownToken, outcome: .passed, evidence: "refused accessDenied"),
        ConformanceCheckResult(check: .expiredToken, outcome: .notApplicable("demo tokens never expire")),
        ConformanceCheckResult(check: .replayedSolution, outcome: .failed("it joined\nwith a replayed solution")),
    ])

    func testDescriptionIsAHeadingAndOneLinePerCheck() {
        XCTAssertEqual(report.description.split(separator: "\n").map(String.init), [
            "join method demo conformance: 1 passed, 1 failed, 1 not applicable",
            "PASS  unknown token: refused accessDenied",
            "N/A   expired token: not applicable: demo tokens never expire",
            "FAIL  replayed solution: it joined with a replayed solution",
        ])
    }

    func testFailedAndNotApplicableChecksAreListedInRunOrder() {
        XCTAssertEqual(report.failedChecks, [.replayedSolution])
        XCTAssertEqual(report.notApplicableChecks, [.expiredToken])
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.outcome(of: .expiredToken), .notApplicable("demo tokens never expire"))
        XCTAssertNil(report.outcome(of: .validJoin))
    }

    func testAReportWithoutFailuresConforms() {
        let passing = ConformanceReport(methodName: "demo", results: [
            ConformanceCheckResult(check: .validJoin, outcome: .passed, evidence: "joined"),
            ConformanceCheckResult(check: .concurrentUse, outcome: .notApplicable("multi-use")),
        ])
        XCTAssertTrue(passing.passed)
        assertConforms(passing)
    }
}
