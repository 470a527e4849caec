import CLISupport
import Foundation
import JoinCore
import JoineryProto
import XCTest

/// `tctl audit ls --method/--outcome/--since/--until`: what each flag becomes in the request,
/// and the refusals for values that could only be guessed at.
final class AuditListFilterTests: XCTestCase {
    private let now = RFC3339.parse("2026-03-01T12:00:00Z")!

    private func filter(method: String? = nil, outcome: String? = nil, since: String? = nil,
                        until: String? = nil) throws -> AuditListFilter {
        try AuditListFilter(method: method, outcome: outcome, since: since, until: until, now: now)
    }

    private func assertRefused(_ expected: String, file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> AuditListFilter) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? JoinError else { return XCTFail("not a JoinError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            XCTAssertTrue(error.message.contains(expected), "message was: \(error.message)", file: file, line: line)
        }
    }

    func testNoFlagsAsksForEverything() throws {
        let request = try filter().request(limit: 100)
        XCTAssertEqual(request.limit, 100)
        XCTAssertEqual(request.method, "")
        XCTAssertEqual(request.outcome, .unspecified)
        XCTAssertFalse(request.hasSinceUnix)
        XCTAssertFalse(request.hasUntilUnix)
    }

    func testMethodAndOutcomeGoToTheRequest() throws {
        let request = try filter(method: "ec2", outcome: "failure").request(limit: 5)
        XCTAssertEqual(request.method, "ec2")
        XCTAssertEqual(request.outcome, .failure)
        XCTAssertEqual(try filter(outcome: "success").request(limit: 5).outcome, .success)
        XCTAssertEqual(try filter(outcome: "SUCCESS").success, true, "outcomes are case-insensitive")
    }

    func testUnknownOutcomeIsRefused() {
        assertRefused("--outcome must be success or failure, not \"failed\"") { try filter(outcome: "failed") }
        assertRefused("--outcome must be success or failure") { try filter(outcome: "") }
    }

    func testEmptyMethodIsRefused() {
        assertRefused("--method needs a join method name") { try filter(method: " ") }
    }

    func testRFC3339TimesAreUsedAsGiven() throws {
        let parsed = try filter(since: "2026-02-28T00:00:00Z", until: "2026-03-01T01:30:00+01:00")
        XCTAssertEqual(parsed.since, RFC3339.parse("2026-02-28T00:00:00Z"))
        XCTAssertEqual(parsed.until, RFC3339.parse("2026-03-01T00:30:00Z"))
        let request = parsed.request(limit: 1)
        XCTAssertEqual(request.sinceUnix, Int64(RFC3339.parse("2026-02-28T00:00:00Z")!.timeIntervalSince1970))
        XCTAssertEqual(request.untilUnix, Int64(RFC3339.parse("2026-03-01T00:30:00Z")!.timeIntervalSince1970))
    }

    func testDurationsMeanThatLongAgo() throws {
        XCTAssertEqual(try filter(since: "1h").since, now.addingTimeInterval(-3600))
        XCTAssertEqual(try filter(since: "30m").since, now.addingTimeInterval(-1800))
        XCTAssertEqual(try filter(since: "1h30m", until: "90s").until, now.addingTimeInterval(-90))
        XCTAssertEqual(try filter(since: "72h").since, now.addingTimeInterval(-72 * 3600))
    }

    func testUnreadableTimesAreRefusedNamingTheFlag() {
        assertRefused("--since \"yesterday\" is neither an RFC 3339 time") { try filter(since: "yesterday") }
        assertRefused("--until \"2026-03-01\" is neither an RFC 3339 time") { try filter(until: "2026-03-01") }
        assertRefused("--since \"0s\"") { try filter(since: "0s") }
        assertRefused("--since \"-1h\"") { try filter(since: "-1h") }
        assertRefused("--since \"3d\"") { try filter(since: "3d") }
    }

    func testSinceMustBeBeforeUntil() {
        assertRefused("must be before --until") { try filter(since: "30m", until: "1h") }
        assertRefused("must be before --until") { try filter(since: "2026-03-01T00:00:00Z", until: "2026-03-01T00:00:00Z") }
    }
}
