import Foundation
import JoinCore
import XCTest

/// Durations in Go's `time.ParseDuration` spelling (`--ttl`, `aws_iid_ttl`).
final class GoDurationTests: XCTestCase {
    private func seconds(_ text: String) throws -> Double {
        try GoDuration(parsing: text).seconds
    }

    func testMinutes() throws {
        XCTAssertEqual(try seconds("5m"), 300)
    }

    func testHoursAndMinutes() throws {
        XCTAssertEqual(try seconds("1h30m"), 5400)
    }

    func testGoCanonicalSpelling() throws {
        XCTAssertEqual(try seconds("10m0s"), 600)
        XCTAssertEqual(try seconds("1h0m0s"), 3600)
    }

    func testFractionalHours() throws {
        XCTAssertEqual(try seconds("1.5h"), 5400)
    }

    func testMilliseconds() throws {
        XCTAssertEqual(try seconds("300ms"), 0.3, accuracy: 1e-12)
    }

    func testMicrosecondsAndNanoseconds() throws {
        XCTAssertEqual(try seconds("250us"), 0.00025, accuracy: 1e-12)
        XCTAssertEqual(try seconds("250µs"), 0.00025, accuracy: 1e-12)
        XCTAssertEqual(try seconds("40ns"), 4e-8, accuracy: 1e-15)
    }

    func testMinutesFollowedByMilliseconds() throws {
        XCTAssertEqual(try seconds("1m500ms"), 60.5, accuracy: 1e-9)
    }

    func testBareZero() throws {
        XCTAssertEqual(try seconds("0"), 0)
    }

    func testEmptyInputIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "")) { error in
            XCTAssertEqual(error as? JoinError, .badParameter("empty duration"))
        }
    }

    func testNumberWithoutUnitIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "30")) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("missing or unknown unit") ?? false, "\(error)")
        }
    }

    func testTrailingNumberWithoutUnitIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "5m10"))
    }

    func testUnknownUnitIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "3d")) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("\"3d\"") ?? false, "\(error)")
        }
    }

    func testUnitWithoutNumberIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "h")) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("expected a number") ?? false, "\(error)")
        }
    }

    func testMalformedNumberIsRejected() {
        XCTAssertThrowsError(try GoDuration(parsing: "1.2.3m"))
    }

    func testDescriptionIsGoCanonical() {
        XCTAssertEqual(GoDuration(seconds: 300).description, "5m0s")
        XCTAssertEqual(GoDuration(seconds: 3600).description, "1h0m0s")
        XCTAssertEqual(GoDuration(seconds: 90).description, "1m30s")
        XCTAssertEqual(GoDuration(seconds: 5400).description, "1h30m0s")
        XCTAssertEqual(GoDuration(seconds: 45).description, "45s")
        XCTAssertEqual(GoDuration(seconds: 0).description, "0s")
    }

    func testNegativeDescriptionHasASign() {
        XCTAssertEqual(GoDuration(seconds: -2).description, "-2s")
        XCTAssertEqual(GoDuration(seconds: -90).description, "-1m30s")
    }

    func testJSONStringDecodes() throws {
        let duration = try JSONDecoder().decode([GoDuration].self, from: Data(#"["1h30m"]"#.utf8))
        XCTAssertEqual(duration, [GoDuration(seconds: 5400)])
    }

    func testJSONNumberIsNanoseconds() throws {
        let duration = try JSONDecoder().decode([GoDuration].self, from: Data("[1500000000]".utf8))
        XCTAssertEqual(duration, [GoDuration(seconds: 1.5)])
    }

    func testEncodesAsCanonicalString() throws {
        let data = try JSONEncoder().encode([GoDuration(seconds: 600)])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["10m0s"]"#)
    }

    func testWholeSecondDurationsRoundTrip() throws {
        let original = [GoDuration(seconds: 5400), GoDuration(seconds: 61), GoDuration(seconds: 86400)]
        let decoded = try JSONDecoder().decode([GoDuration].self, from: JSONEncoder().encode(original))
        XCTAssertEqual(decoded, original)
    }
}
