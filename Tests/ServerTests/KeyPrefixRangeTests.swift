import Server
import XCTest

/// The exclusive upper bound of a key prefix: the prefix with its last scalar replaced by the
/// next one, so that the index scans only the prefix's keys.
final class KeyPrefixRangeTests: XCTestCase {
    func testTheBoundReplacesTheLastScalarWithTheNext() {
        XCTAssertEqual(KeyPrefixRange("/locks/").upperBound, "/locks0")
        XCTAssertEqual(KeyPrefixRange("/nodes/").upperBound, "/nodes0")
        XCTAssertEqual(KeyPrefixRange("/é").upperBound, "/ê")
        XCTAssertEqual(KeyPrefixRange("a").upperBound, "b")
    }

    func testTheSurrogateGapIsSkipped() {
        XCTAssertEqual(KeyPrefixRange("/\u{D7FF}").upperBound, "/\u{E000}")
    }

    func testNoBoundForAnEmptyPrefixOrOneEndingInTheLastScalar() {
        XCTAssertNil(KeyPrefixRange("").upperBound)
        XCTAssertNil(KeyPrefixRange("/end\u{10FFFF}").upperBound)
    }

    /// Every string with the prefix sorts below the bound, and the bound itself does not have
    /// the prefix, in UTF-8 byte order (how SQLite and PostgreSQL "C" compare keys).
    func testEveryKeyWithThePrefixSortsBelowTheBound() throws {
        let samples = ["/locks/", "/é", "/\u{D7FF}", "/a\u{7F}", "/\u{FFFF}", "/x\u{10FFFE}"]
        let tails = ["", "a", "\u{10FFFF}", "\u{10FFFF}\u{10FFFF}zz", "é", "/nested/key"]
        for prefix in samples {
            let upper = try XCTUnwrap(KeyPrefixRange(prefix).upperBound, prefix)
            XCTAssertFalse(upper.hasPrefix(prefix), prefix)
            for tail in tails {
                let key = prefix + tail
                XCTAssertTrue(Array(key.utf8).lexicographicallyPrecedes(Array(upper.utf8)), "\(key) < \(upper)")
                XCTAssertFalse(Array(key.utf8).lexicographicallyPrecedes(Array(prefix.utf8)), "\(key) >= \(prefix)")
            }
        }
    }
}
