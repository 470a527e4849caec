import AccessControl
import JoinCore
import XCTest

final class Base32Tests: XCTestCase {
    /// RFC 4648 §10, without padding.
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
                       ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base32.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base32.decode(encoded), Array(plain.utf8))
        }
    }

    func testRoundTripOfEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...41 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(Base32.decode(Base32.encode(bytes)), bytes, "length \(length)")
        }
    }

    func testDecodingAcceptsWhatPeopleCopy() {
        XCTAssertEqual(Base32.decode("mzxw6ytboi"), Array("foobar".utf8))
        XCTAssertEqual(Base32.decode("MZXW 6YTB OI======"), Array("foobar".utf8))
        XCTAssertEqual(Base32.decode("MZXW-6YTB-OI"), Array("foobar".utf8))
    }

    func testDecodingRefusesGarbage() {
        XCTAssertNil(Base32.decode("MZXW1"), "1 is not in the alphabet")
        XCTAssertNil(Base32.decode("MZXW8"))
        XCTAssertNil(Base32.decode("M"), "impossible length")
        XCTAssertNil(Base32.decode("MZX"))
        XCTAssertNil(Base32.decode("MY=Y"), "data after padding")
    }

    func testDeviceSecretRoundTrip() throws {
        let device = TOTPDevice.generate()
        XCTAssertEqual(device.base32Secret.count, 32)
        XCTAssertFalse(device.base32Secret.contains("="))
        XCTAssertEqual(try TOTPDevice(base32Secret: device.base32Secret), device)
        XCTAssertEqual(try TOTPDevice(base32Secret: device.base32Secret.lowercased()), device)
    }

    func testDeviceRefusesBadOrShortSecrets() {
        XCTAssertThrowsError(try TOTPDevice(base32Secret: "not base32!"))
        XCTAssertThrowsError(try TOTPDevice(base32Secret: "MZXW6YTBOI"), "6 bytes is too short") { error in
            XCTAssertEqual((error as? JoinError)?.message, "TOTP secret must be 10 to 64 bytes, found 6")
        }
        XCTAssertNoThrow(try TOTPDevice(base32Secret: "JBSWY3DPEHPK3PXP"))
    }
}
