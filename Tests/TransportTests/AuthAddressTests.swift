import Transport
import JoinCore
import XCTest

/// `auth_server` addresses: `host:port`, 3025 by default, bracketed IPv6.
final class AuthAddressTests: XCTestCase {
    private func parse(_ text: String) throws -> AuthAddress { try AuthAddress(parsing: text) }

    private func failure(_ text: String) -> String? {
        do { _ = try parse(text); return nil } catch { return (error as? JoinError)?.message ?? "\(error)" }
    }

    func testHostAndPort() throws {
        XCTAssertEqual(try parse("auth.example.com:3080"), AuthAddress(host: "auth.example.com", port: 3080))
    }

    func testPortDefaultsTo3025() throws {
        XCTAssertEqual(try parse("auth.example.com"), AuthAddress(host: "auth.example.com", port: 3025))
        XCTAssertEqual(AuthAddress.defaultPort, 3025)
    }

    func testIPv4WithPort() throws {
        XCTAssertEqual(try parse("10.0.0.1:443"), AuthAddress(host: "10.0.0.1", port: 443))
    }

    func testBracketedIPv6WithPort() throws {
        XCTAssertEqual(try parse("[::1]:3025"), AuthAddress(host: "::1", port: 3025))
    }

    func testBracketedIPv6WithoutPort() throws {
        XCTAssertEqual(try parse("[fd00::5]"), AuthAddress(host: "fd00::5", port: 3025))
    }

    func testBareIPv6IsAHostWithTheDefaultPort() throws {
        XCTAssertEqual(try parse("fd00::5"), AuthAddress(host: "fd00::5", port: 3025))
    }

    func testHTTPSPrefixIsStripped() throws {
        XCTAssertEqual(try parse("https://auth.example.com:443"), AuthAddress(host: "auth.example.com", port: 443))
    }

    func testTCPPrefixIsStripped() throws {
        XCTAssertEqual(try parse("tcp://auth.example.com"), AuthAddress(host: "auth.example.com", port: 3025))
    }

    func testSurroundingSpacesAreIgnored() throws {
        XCTAssertEqual(try parse("  auth:3025 "), AuthAddress(host: "auth", port: 3025))
    }

    func testNonNumericPortIsRejected() {
        XCTAssertEqual(failure("auth:https"), "the auth server address \"auth:https\" has an invalid port")
    }

    func testPortZeroIsRejected() {
        XCTAssertNotNil(failure("auth:0"))
    }

    func testPortAbove65535IsRejected() {
        XCTAssertNotNil(failure("auth:65536"))
        XCTAssertNoThrow(try parse("auth:65535"))
    }

    func testEmptyPortIsRejected() {
        XCTAssertNotNil(failure("auth:"))
        XCTAssertNotNil(failure("[::1]:"))
    }

    func testBadIPv6PortIsRejected() {
        XCTAssertNotNil(failure("[::1]:99999"))
    }

    func testEmptyAddressIsRejected() {
        XCTAssertEqual(failure(""), "the auth server address is empty")
        XCTAssertEqual(failure("   "), "the auth server address is empty")
        XCTAssertEqual(failure("https://"), "the auth server address is empty")
    }

    func testMissingHostIsRejected() {
        XCTAssertEqual(failure(":3025"), "the auth server address \":3025\" has no host")
        XCTAssertNotNil(failure("[]:3025"))
    }

    func testDescriptionBracketsIPv6() {
        XCTAssertEqual(AuthAddress(host: "::1", port: 3025).description, "[::1]:3025")
        XCTAssertEqual(AuthAddress(host: "auth", port: 443).description, "auth:443")
    }

    func testDescriptionParsesBackToTheSameAddress() throws {
        for address in [AuthAddress(host: "::1", port: 3025), AuthAddress(host: "auth.example.com", port: 8443)] {
            XCTAssertEqual(try parse(address.description), address)
        }
    }
}
