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

    func testOutOfRangeFieldsAreRejected() {
        for text in ["2026-13-02T15:04:05Z", "2026-00-02T15:04:05Z", "2026-02-30T15:04:05Z", "2023-02-29T15:04:05Z",
                     "2026-04-31T15:04:05Z", "2026-01-02T24:00:00Z", "2026-01-02T15:60:05Z", "2026-01-02T15:04:60Z",
                     "2026-01-02T15:04:05+24:00", "2026-01-02T15:04:05+05:60"] {
            XCTAssertNil(RFC3339.parse(text), text)
        }
        XCTAssertNotNil(RFC3339.parse("2024-02-29T15:04:05Z"), "a leap day")
        XCTAssertNotNil(RFC3339.parse("2000-02-29T00:00:00Z"), "a leap day in a year divisible by 400")
        XCTAssertNil(RFC3339.parse("1900-02-29T00:00:00Z"), "1900 was not a leap year")
    }

    func testMalformedShapesAreRejected() {
        for text in ["2026-01-02T15:04:05Zjunk", "2026-01-02T15:04:05.Z", "2026-01-02T15:04:05+0500", "2026-1-02T15:04:05Z",
                     "2026-01-02 15:04:05Z", "2026-01-02T15:04Z", "+2026-01-02T15:04:05Z", "2026-01-02T15:04:05+05",
                     "２０２６-01-02T15:04:05Z", "2026-01-02T15:04:05.12a4Z"] {
            XCTAssertNil(RFC3339.parse(text), text)
        }
    }

    func testLowercaseSeparatorsAreAccepted() {
        XCTAssertEqual(RFC3339.parse("2026-01-02t15:04:05z"), reference)
    }

    func testOneAndTwoFractionDigitsAreTenthsAndHundredths() throws {
        XCTAssertEqual(try XCTUnwrap(RFC3339.parse("2026-01-02T15:04:05.5Z")).timeIntervalSince(reference), 0.5, accuracy: 0.0001)
        XCTAssertEqual(try XCTUnwrap(RFC3339.parse("2026-01-02T15:04:05.25Z")).timeIntervalSince(reference), 0.25, accuracy: 0.0001)
    }

    /// The hand-written reader and writer agree with Foundation's ISO 8601 formatter over
    /// dates from 1900 to 2400, with and without offsets.
    func testAgreesWithFoundationsFormatterOverManyDates() {
        let foundation = ISO8601DateFormatter()
        foundation.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...13_569_465_600, using: &generator))
            let date = Date(timeIntervalSince1970: seconds)
            let written = RFC3339.format(date)
            XCTAssertEqual(written, foundation.string(from: date))
            XCTAssertEqual(RFC3339.parse(written), date, written)
            let offsetMinutes = Int.random(in: -12 * 60...14 * 60, using: &generator)
            foundation.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60)
            let withOffset = foundation.string(from: date)
            foundation.timeZone = TimeZone(identifier: "UTC")
            XCTAssertEqual(RFC3339.parse(withOffset), date, withOffset)
        }
    }
}
