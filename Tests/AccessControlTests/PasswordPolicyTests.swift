import AccessControl
import JoinCore
import XCTest

final class PasswordPolicyTests: XCTestCase {
    private func message(_ password: String) -> String? {
        do {
            try PasswordPolicy.check(password)
            return nil
        } catch {
            return (error as? JoinError)?.message ?? "\(error)"
        }
    }

    func testTwelveToOneHundredTwentyEightBytesAreAccepted() {
        XCTAssertNil(message(String(repeating: "a", count: 12)))
        XCTAssertNil(message(String(repeating: "a", count: 128)))
    }

    func testShortPasswordSaysTooShort() {
        XCTAssertEqual(message("elevenchars"), "password is too short: it has 11 characters and must have at least 12")
        XCTAssertEqual(message(""), "password is too short: it has 0 characters and must have at least 12")
    }

    func testLongPasswordSaysTooLong() {
        XCTAssertEqual(message(String(repeating: "a", count: 129)), "password is too long: it has 129 characters and must have at most 128")
    }

    /// Lengths are UTF-8 bytes: six two-byte letters make twelve.
    func testLengthCountsUTF8Bytes() {
        XCTAssertNil(message("éééééé"))
        XCTAssertNotNil(message("ééééé"))
        XCTAssertNotNil(message(String(repeating: "é", count: 65)))
    }

    func testMessageNeverContainsThePassword() {
        XCTAssertFalse(message("hunter2")!.contains("hunter2"))
    }
}
