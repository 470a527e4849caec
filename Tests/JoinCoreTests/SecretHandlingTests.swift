import JoinCore
import XCTest

/// Masking, sanitising and comparing secrets (spec §1.1, §4.6; DESIGN.md §7).
final class SecretHandlingTests: XCTestCase {
    // MARK: SafeName

    func testShortNameIsMaskedEntirely() {
        XCTAssertEqual(SafeName.mask("abc"), "***")
        XCTAssertEqual(SafeName.mask("fifteen-chars-x"), String(repeating: "*", count: 15))
    }

    func testEmptyNameStaysEmpty() {
        XCTAssertEqual(SafeName.mask(""), "")
    }

    func testSixteenCharacterNameShowsTheLastQuarter() {
        XCTAssertEqual(SafeName.mask("0123456789abcdef"), "************cdef")
    }

    func testMaskedPrefixIsTheFloorOfThreeQuarters() {
        // 17 characters: floor(12.75) = 12 masked, 5 shown.
        XCTAssertEqual(SafeName.mask("0123456789abcdefg"), "************cdefg")
    }

    func testGeneratedTokenShowsItsLastEightCharacters() {
        let name = "3f9c2b7a1d8e4f60a5b9c7d2e1f0a4b8"
        XCTAssertEqual(SafeName.mask(name), String(repeating: "*", count: 24) + "e1f0a4b8")
    }

    func testDisplayMasksOnlySecretNames() {
        let token = ProvisionToken(name: "0123456789abcdef", roles: [.node])
        XCTAssertEqual(SafeName.display(token, nameIsSecret: true), "************cdef")
        XCTAssertEqual(SafeName.display(token, nameIsSecret: false), "0123456789abcdef")
    }

    // MARK: UntrustedString

    func testAllowedCharactersPassUnchanged() {
        XCTAssertEqual(UntrustedString.sanitize("node-1.example.com:3022;a,b+c@d"), "node-1.example.com:3022;a,b+c@d")
    }

    func testOtherCharactersBecomeUnderscores() {
        XCTAssertEqual(UntrustedString.sanitize("a b/c\n$(rm)"), "a_b_c___rm_")
    }

    func testNonASCIILettersBecomeUnderscores() {
        XCTAssertEqual(UntrustedString.sanitize("héllo"), "h_llo")
    }

    func testLongValuesAreCutAt512Characters() {
        let sanitized = UntrustedString.sanitize(String(repeating: "a", count: 600))
        XCTAssertEqual(sanitized.count, 512)
        XCTAssertEqual(UntrustedString.maximumLength, 512)
    }

    func testValueOfExactlyMaximumLengthIsKept() {
        let value = String(repeating: "b", count: 512)
        XCTAssertEqual(UntrustedString.sanitize(value), value)
    }

    // MARK: ConstantTime

    func testEqualBytesCompareEqual() {
        XCTAssertTrue(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
    }

    func testDifferentBytesCompareUnequal() {
        XCTAssertFalse(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        XCTAssertFalse(ConstantTime.equals([0, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
    }

    func testPrefixIsNotEqual() {
        XCTAssertFalse(ConstantTime.equals("secret", "secret-and-more"))
        XCTAssertFalse(ConstantTime.equals("secret-and-more", "secret"))
    }

    func testPaddingWithZerosIsNotEqual() {
        XCTAssertFalse(ConstantTime.equals([1, 2] as [UInt8], [1, 2, 0] as [UInt8]))
    }

    func testEmptyValues() {
        XCTAssertTrue(ConstantTime.equals("", ""))
        XCTAssertFalse(ConstantTime.equals("", "a"))
    }

    func testStringsCompareByExactBytes() {
        XCTAssertTrue(ConstantTime.equals("tøken", "tøken"))
        XCTAssertFalse(ConstantTime.equals("Token", "token"))
    }
}
