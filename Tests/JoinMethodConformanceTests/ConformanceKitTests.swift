import Foundation
import JoinCore
import JoinMethodConformance
import XCTest

/// The kit run against the probe method: correct, then with one deliberate flaw at a time.
/// Each flaw must fail exactly the checks it breaks, with a reason a person can act on.
final class ConformanceKitTests: XCTestCase {
    private func lines(_ report: ConformanceReport) -> [String] {
        report.description.split(separator: "\n").map(String.init)
    }

    private func line(_ check: ConformanceCheck, in report: ConformanceReport) -> String {
        lines(report).first { $0.dropFirst(6).hasPrefix(check.rawValue + ":") } ?? "<no line for \(check.rawValue)>"
    }

    private func assertFails(_ check: ConformanceCheck, in report: ConformanceReport, saying fragment: String,
                             file: StaticString = #filePath, line number: UInt = #line) {
        let text = line(check, in: report)
        XCTAssertTrue(text.hasPrefix("FAIL  \(check.rawValue): "), text, file: file, line: number)
        XCTAssertTrue(text.contains(fragment), "\"\(text)\" lacks \"\(fragment)\"", file: file, line: number)
    }

    func testACorrectChallengeMethodPassesEveryCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject())
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [], report.description)
        XCTAssertEqual(lines(report).count, 1 + ConformanceCheck.allCases.count, report.description)
        XCTAssertEqual(lines(report).first, "join method probe conformance: 8 passed, 0 failed, 0 not applicable")
        XCTAssertTrue(line(.replayedSolution, in: report).contains("the 1 solution(s) of a valid join replayed in a new join with the same token"), report.description)
        XCTAssertTrue(line(.malformedPayloads, in: report).contains("solution 1 padded past 65536 bytes → badParameter"), report.description)
        XCTAssertTrue(line(.concurrentUse, in: report).contains("1 joined, 3 refused"), report.description)
        XCTAssertTrue(line(.concurrentUse, in: report).contains("1× - /tokens/"), report.description)
        XCTAssertTrue(line(.validJoin, in: report).contains("openssl verify chains the TLS certificate to the host CA"), report.description)
    }

    func testAFixedNonceFailsOnlyTheReplayCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(flaw: .fixedNonce))
        XCTAssertEqual(report.failedChecks, [.replayedSolution], report.description)
        assertFails(.replayedSolution, in: report, saying: "captured from the join before: it joined (host ID ")
    }

    func testAnUntypedErrorOnATruncatedPayloadFailsOnlyThePayloadCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(flaw: .untypedErrorOnBadPayload))
        XCTAssertEqual(report.failedChecks, [.malformedPayloads], report.description)
        assertFails(.malformedPayloads, in: report, saying: "initial payload cut to half: refused with an untyped DecodingError instead of a JoinError")
        assertFails(.malformedPayloads, in: report, saying: "initial payload emptied: refused with an untyped DecodingError")
        XCTAssertFalse(line(.malformedPayloads, in: report).contains("solution 1"), "solutions are still refused with typed errors")
    }

    func testAWriteWhenTheClientLeavesFailsOnlyTheCancelledStreamCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(flaw: .locksWhenTheClientLeaves))
        XCTAssertEqual(report.failedChecks, [.cancelledStream], report.description)
        assertFails(.cancelledStream, in: report, saying: "the backend changed: + /locks/")
    }

    func testASingleUseCheckOutsideTheBackendFailsOnlyTheConcurrentUseCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(flaw: .singleUseCheckedInMemory))
        XCTAssertEqual(report.failedChecks, [.concurrentUse], report.description)
        assertFails(.concurrentUse, in: report, saying: "4 of 4 concurrent clients joined, expected exactly 1")
        assertFails(.concurrentUse, in: report, saying: "the audit log has 4 successful and 0 failed join events, expected 1 and 3")
    }

    func testATokenSourceClaimingUnknownNamesFailsOnlyTheUnknownTokenCheck() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(flaw: .tokenSourceClaimsForeignNames))
        XCTAssertEqual(report.failedChecks, [.unknownToken], report.description)
        assertFails(.unknownToken, in: report,
                    saying: "refused with \"probe: the solution does not prove the token's key\", expected \"token expired or not found\"")
    }

    func testChecksThatDoNotApplySayWhyInTheSubjectsWords() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(challenges: false, offersExpiryAndSingleUse: false))
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.expiredToken, .replayedSolution, .cancelledStream, .concurrentUse], report.description)
        XCTAssertEqual(line(.expiredToken, in: report), "N/A   expired token: not applicable: \(ProbeSubject.noExpiry)")
        XCTAssertEqual(line(.concurrentUse, in: report), "N/A   concurrent double use: not applicable: \(ProbeSubject.noSingleUse)")
        XCTAssertTrue(line(.replayedSolution, in: report).hasSuffix(ProbeSubject.replayDefence), report.description)
        XCTAssertTrue(line(.cancelledStream, in: report).hasPrefix("N/A   cancelled stream: not applicable: the method sends no challenge"))
        XCTAssertTrue(line(.malformedPayloads, in: report).hasPrefix("PASS  "), report.description)
        XCTAssertEqual(lines(report).first, "join method probe conformance: 4 passed, 0 failed, 4 not applicable")
    }

    func testDeclaringChallengesTheMethodDoesNotSendFails() async {
        let report = await JoinMethodConformanceKit.run(
            ProbeSubject(challenges: false, declaredChallenges: .everyJoin, offersExpiryAndSingleUse: false))
        XCTAssertEqual(report.failedChecks, [.replayedSolution, .cancelledStream], report.description)
        assertFails(.replayedSolution, in: report, saying: "the subject declares a challenge in every join, but a valid join had none")
        assertFails(.cancelledStream, in: report, saying: "the client's join ended before any challenge reached it: it joined")
    }

    func testDeclaringNoChallengesForAChallengeMethodFails() async {
        let report = await JoinMethodConformanceKit.run(ProbeSubject(declaredChallenges: .never(replayDefence: "none needed")))
        XCTAssertEqual(report.failedChecks, [.replayedSolution], report.description)
        assertFails(.replayedSolution, in: report, saying: "declares that the method never challenges, but a valid join had 1 challenge round(s)")
    }
}
