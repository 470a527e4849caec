import AccessControl
import JoinCore
import XCTest

/// RFC 7914 §12 test vectors, through OpenSSL's EVP_PBE_scrypt.
final class ScryptTests: XCTestCase {
    private func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    func testRFC7914EmptyPasswordVector() throws {
        let key = try Scrypt.deriveKey(password: [], salt: [], parameters: try Scrypt.Parameters(logN: 4, r: 1, p: 1), length: 64)
        XCTAssertEqual(key, hex("""
            77 d6 57 62 38 65 7b 20 3b 19 ca 42 c1 8a 04 97 f1 6b 48 44 e3 07 4a e8 df df fa 3f ed e2 14 42
            fc d0 06 9d ed 09 48 f8 32 6a 75 3a 0f c8 1f 17 e8 d3 e0 fb 2e 0d 36 28 cf 35 e2 0c 38 d1 89 06
            """))
    }

    func testRFC7914PasswordNaClVector() throws {
        let key = try Scrypt.deriveKey(password: Array("password".utf8), salt: Array("NaCl".utf8),
                                       parameters: try Scrypt.Parameters(logN: 10, r: 8, p: 16), length: 64)
        XCTAssertEqual(key, hex("""
            fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62
            2e af 30 d9 2e 22 a3 88 6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40
            """))
    }

    func testRFC7914SodiumChlorideVector() throws {
        let key = try Scrypt.deriveKey(password: Array("pleaseletmein".utf8), salt: Array("SodiumChloride".utf8),
                                       parameters: try Scrypt.Parameters(logN: 14, r: 8, p: 1), length: 64)
        XCTAssertEqual(key, hex("""
            70 23 bd cb 3a fd 73 48 46 1c 06 cd 81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2
            d5 43 29 55 61 3f 0f cf 62 d4 97 05 24 2a 9a f9 e6 1e 85 dc 0d 65 1e 40 df cf 01 7b 45 57 58 87
            """))
    }

    func testAbsurdParametersAreRefused() {
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 21, r: 8, p: 1))
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 0, r: 8, p: 1))
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 15, r: 0, p: 1))
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 15, r: 33, p: 1))
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 15, r: 8, p: 17))
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 20, r: 16, p: 1), "2 GiB of memory")
        XCTAssertThrowsError(try Scrypt.Parameters(logN: 20, r: 8, p: 4), "too much work")
        XCTAssertNoThrow(try Scrypt.Parameters(logN: 20, r: 8, p: 1))
    }
}
