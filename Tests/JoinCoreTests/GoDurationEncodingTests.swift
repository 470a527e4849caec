import Foundation
import JoinCore
import XCTest

/// Stored durations keep their exact value (sub-second parts included) in Go's spelling.
final class GoDurationEncodingTests: XCTestCase {
    private func roundTrip(_ text: String) throws -> (encoded: String, decoded: GoDuration) {
        let duration = try GoDuration(parsing: text)
        let data = try JSONEncoder().encode([duration])
        let encoded = try XCTUnwrap(String(data: data, encoding: .utf8))
        return (encoded, try JSONDecoder().decode([GoDuration].self, from: data)[0])
    }

    func testSubSecondDurationsSurviveEncoding() throws {
        let (encoded, decoded) = try roundTrip("300ms")
        XCTAssertEqual(encoded, "[\"300ms\"]")
        XCTAssertEqual(decoded.seconds, 0.3, accuracy: 1e-9)
    }

    func testFractionalSecondsAndMinutesUseGoSpelling() throws {
        XCTAssertEqual(try roundTrip("1.5s").encoded, "[\"1.5s\"]")
        XCTAssertEqual(try roundTrip("1m30.25s").encoded, "[\"1m30.25s\"]")
        XCTAssertEqual(try roundTrip("5m").encoded, "[\"5m0s\"]")
        XCTAssertEqual(try roundTrip("2h").encoded, "[\"2h0m0s\"]")
    }
}
