import Foundation
import JoinCore
import XCTest

/// Method sections and plugin settings travel through the core as ``JSONValue``.
final class JSONValueTests: XCTestCase {
    private let sample: JSONValue = .object([
        "name": .string("x"),
        "count": .number(3),
        "ratio": .number(0.25),
        "enabled": .bool(true),
        "nothing": .null,
        "items": .array([.string("a"), .number(-7), .object(["nested": .bool(false)])]),
    ])

    private func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func testDecodesEveryKind() throws {
        let value = try decode(#"{"name":"x","count":3,"ratio":0.25,"enabled":true,"nothing":null,"items":["a",-7,{"nested":false}]}"#)
        XCTAssertEqual(value, sample)
    }

    func testEncodeDecodeRoundTrip() throws {
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(sample)), sample)
    }

    func testWholeNumbersEncodeWithoutFraction() throws {
        let data = try JSONEncoder().encode(JSONValue.array([.number(3), .number(-7), .number(0.5)]))
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "[3,-7,0.5]")
    }

    func testNumericStringStaysAString() throws {
        XCTAssertEqual(try decode(#"["123456789012"]"#), .array([.string("123456789012")]))
    }

    func testSubscriptReadsObjectMembers() {
        XCTAssertEqual(sample["name"], .string("x"))
        XCTAssertNil(sample["missing"])
        XCTAssertNil(JSONValue.array([]) ["name"])
    }

    func testDecodeAsTypedValue() throws {
        struct Settings: Decodable, Equatable { let name: String; let count: Int }
        let settings = try JSONValue.object(["name": .string("x"), "count": .number(3)]).decode(Settings.self, path: "spec.thing")
        XCTAssertEqual(settings, Settings(name: "x", count: 3))
    }

    func testDecodeFailureNamesThePath() {
        struct Settings: Decodable { let name: String }
        XCTAssertThrowsError(try JSONValue.object([:]).decode(Settings.self, path: "spec.bound_keypair")) { error in
            XCTAssertEqual(error as? JoinError, .badParameter("spec.bound_keypair: missing field \"name\""))
        }
    }
}
