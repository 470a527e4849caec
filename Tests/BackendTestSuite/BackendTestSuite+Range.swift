import Foundation
import JoinCore
import Server
import XCTest

/// Listing by key prefix.
extension BackendTestSuite {
    public func testRangeReturnsOnlyLiveItemsUnderThePrefixSortedByKey() async throws {
        try await withBackend { backend, _ in
            // Written out of order, with neighbours that a sloppy prefix match would include.
            let b = try await backend.put("/tokens/b", value: Data(utf8: "b"), expires: nil)
            let nested = try await backend.put("/tokens/a/nested", value: Data(utf8: "nested"), expires: at(600))
            let a = try await backend.put("/tokens/a", value: Data(utf8: "a"), expires: nil)
            _ = try await backend.put("/tokens/expired", value: Data(utf8: "gone"), expires: Self.start)
            _ = try await backend.put("/tokensX", value: Data(utf8: "neighbour"), expires: nil)
            _ = try await backend.put("/tokens", value: Data(utf8: "the folder itself"), expires: nil)
            _ = try await backend.put("/token", value: Data(utf8: "shorter"), expires: nil)
            _ = try await backend.put("/nodes/1", value: Data(utf8: "elsewhere"), expires: nil)

            let listed = try await backend.range(prefix: "/tokens/")
            XCTAssertEqual(listed.map(\.key), ["/tokens/a", "/tokens/a/nested", "/tokens/b"])
            XCTAssertEqual(listed, [a, nested, b], "items come back whole")

            let none = try await backend.range(prefix: "/authorities/")
            XCTAssertEqual(none, [])
        }
    }

    public func testRangeWithEmptyPrefixListsEveryLiveItem() async throws {
        try await withBackend { backend, _ in
            _ = try await backend.put("/z", value: Data(utf8: "z"), expires: nil)
            _ = try await backend.put("/a", value: Data(utf8: "a"), expires: nil)
            _ = try await backend.put("/m", value: Data(utf8: "gone"), expires: Self.start)
            let listed = try await backend.range(prefix: "")
            XCTAssertEqual(listed.map(\.key), ["/a", "/z"])
        }
    }

    /// SQL `LIKE` would treat `_` and `%` as wildcards and ignore ASCII case; a prefix must not.
    public func testRangePrefixIsLiteralAndCaseSensitive() async throws {
        try await withBackend { backend, _ in
            for key in ["/a_b/1", "/aXb/2", "/a%b/3", "/aYYb/4", "/Tokens/upper", "/tokens/lower"] {
                _ = try await backend.put(key, value: Data(utf8: key), expires: nil)
            }
            let underscore = try await backend.range(prefix: "/a_b/")
            XCTAssertEqual(underscore.map(\.key), ["/a_b/1"])
            let percent = try await backend.range(prefix: "/a%b/")
            XCTAssertEqual(percent.map(\.key), ["/a%b/3"])
            let lower = try await backend.range(prefix: "/tokens/")
            XCTAssertEqual(lower.map(\.key), ["/tokens/lower"])
        }
    }

    /// The scan is bounded above (``KeyPrefixRange``): keys just past the prefix's range, and
    /// prefixes that end in non-ASCII scalars, around the surrogate gap or at the last scalar,
    /// list exactly their own keys.
    public func testRangeBoundsHoldForEveryKindOfLastScalar() async throws {
        try await withBackend { backend, _ in
            let keys = ["/locks/a", "/locks0", "/locks/\u{10FFFF}tail", "/nodes/1", "/é/1", "/ê/1", "/\u{D7FF}/1",
                        "/\u{D7FF}", "/\u{E000}", "/end\u{10FFFF}", "/end\u{10FFFF}x", "/enc"]
            for key in keys { _ = try await backend.put(key, value: Data(utf8: key), expires: nil) }
            let locks = try await backend.range(prefix: "/locks/")
            XCTAssertEqual(locks.map(\.key), ["/locks/a", "/locks/\u{10FFFF}tail"])
            let accented = try await backend.range(prefix: "/é")
            XCTAssertEqual(accented.map(\.key), ["/é/1"])
            let beforeGap = try await backend.range(prefix: "/\u{D7FF}")
            XCTAssertEqual(beforeGap.map(\.key), ["/\u{D7FF}", "/\u{D7FF}/1"])
            let lastScalar = try await backend.range(prefix: "/end\u{10FFFF}")
            XCTAssertEqual(lastScalar.map(\.key), ["/end\u{10FFFF}", "/end\u{10FFFF}x"])
        }
    }
}
