import Transport
import JoinCore
import XCTest

/// Malformed Auth addresses are errors, not silently repaired guesses.
final class AuthAddressStrictnessTests: XCTestCase {
    func testMalformedAddressesAreRejected() {
        for text in ["[::1]junk", "[::1", "http://auth:80", "auth:+80", "auth:80x", "host with space:3025"] {
            XCTAssertThrowsError(try AuthAddress(parsing: text), text) { error in
                XCTAssertEqual((error as? JoinError)?.kind, .badParameter, text)
            }
        }
    }

    func testWellFormedAddressesStillParse() throws {
        XCTAssertEqual(try AuthAddress(parsing: "[::1]:3025"), AuthAddress(host: "::1", port: 3025))
        XCTAssertEqual(try AuthAddress(parsing: "https://auth.example.com:443"), AuthAddress(host: "auth.example.com", port: 443))
        XCTAssertEqual(try AuthAddress(parsing: "10.0.0.1"), AuthAddress(host: "10.0.0.1", port: 3025))
    }
}
