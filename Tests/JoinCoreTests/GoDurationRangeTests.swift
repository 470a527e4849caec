import Foundation
import JoinCore
import XCTest

/// Durations are bounded as in Go (an `Int64` of nanoseconds, about 292 years): a longer one is
/// a `badParameter` when read, not a trap later when it is printed or stored. Found by fuzzing
/// tbot.yaml (`Fuzz/regressions/tbot-yaml/duration-beyond-int64-nanoseconds.yaml`).
final class GoDurationRangeTests: XCTestCase {
    private func assertOutOfRange(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try GoDuration(parsing: text), file: file, line: line) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter, "\(error)", file: file, line: line)
            XCTAssertTrue((error as? JoinError)?.message.contains("out of range") ?? false, "\(error)", file: file, line: line)
        }
    }

    func testDurationBeyondGoRangeIsABadParameter() {
        assertOutOfRange("99999999999999999999999h")
        assertOutOfRange("2562048h")
    }

    func testDurationWhoseNumberOverflowsToInfinityIsABadParameter() {
        assertOutOfRange(String(repeating: "9", count: 400) + "s")
    }

    func testLongestGoDurationStillParsesAndPrints() throws {
        let longest = try GoDuration(parsing: "2562047h47m16s")
        XCTAssertEqual(longest.description, "2562047h47m16s")
        XCTAssertEqual(longest.exactDescription, "2562047h47m16s")
    }

    func testBareNanosecondCountBeyondRangeIsRefused() {
        XCTAssertThrowsError(try JSONDecoder().decode([GoDuration].self, from: Data("[1e300]".utf8))) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter, "\(error)")
        }
    }
}
