import Foundation
import JoinCore
import XCTest

/// RFC 3339 timestamps as Teleport and Go write them.
final class RFC3339Tests: XCTestCase {
    /// 2026-01-02T15:04:05Z.
    private let reference = Date(timeIntervalSince1970: 1_767_366_245)

    func testPlainUTC() {
        XCTAssertEqual(RFC3339.parse("2026-01-02T15:04:05Z"), reference)
    }

    func testOffsetIsApplied() {
        XCTAssertEqual(RFC3339.parse("2026-01-02T10:04:05-05:00"), reference)
    }

    func testMilliseconds() throws {
        let date = try XCTUnwrap(RFC3339.parse("2026-01-02T15:04:05.750Z"))
        XCTAssertEqual(date.timeIntervalSince(reference), 0.75, accuracy: 0.0005)
    }

    func testNanosecondsAreTrimmedToMilliseconds() throws {
        let date = try XCTUnwrap(RFC3339.parse("2026-01-02T15:04:05.999999999Z"))
        XCTAssertEqual(date.timeIntervalSince(reference), 0.999, accuracy: 0.0005)
    }

    func testMicroseconds() throws {
        let date = try XCTUnwrap(RFC3339.parse("2026-01-02T15:04:05.123456+00:00"))
        XCTAssertEqual(date.timeIntervalSince(reference), 0.123, accuracy: 0.0005)
    }

    func testDateWithoutTimeIsRejected() {
        XCTAssertNil(RFC3339.parse("2026-01-02"))
    }

    func testTimeWithoutZoneIsRejected() {
        XCTAssertNil(RFC3339.parse("2026-01-02T15:04:05"))
        XCTAssertNil(RFC3339.parse("2026-01-02T15:04:05.123"))
    }

    func testGarbageIsRejected() {
        XCTAssertNil(RFC3339.parse("yesterday"))
        XCTAssertNil(RFC3339.parse(""))
    }

    func testFormatIsUTCWithoutFraction() {
        XCTAssertEqual(RFC3339.format(reference), "2026-01-02T15:04:05Z")
        XCTAssertEqual(RFC3339.format(reference.addingTimeInterval(0.4)), "2026-01-02T15:04:05Z")
    }

    func testFormatThenParseRoundTrips() {
        XCTAssertEqual(RFC3339.parse(RFC3339.format(reference)), reference)
    }
}
