import Foundation
import JoinCore
import XCTest

/// Decoding failures become one line naming the field (strict parsing of resources and configs).
final class DecodingErrorDescriptionTests: XCTestCase {
    private struct Sample: Decodable {
        let name: String
        let count: Int
        let tags: [String]
        let inner: Inner?
        struct Inner: Decodable {
            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(["known"])
            }
        }
    }

    private func describe(_ json: String) -> String? {
        do {
            _ = try JSONDecoder().decode(Sample.self, from: Data(json.utf8))
            return nil
        } catch {
            return DecodingErrorDescription.describe(error)
        }
    }

    func testMissingKeyNamesTheField() {
        XCTAssertEqual(describe(#"{"name":"a","tags":[]}"#), "missing field \"count\"")
    }

    func testStringExpected() {
        XCTAssertEqual(describe(#"{"name":1,"count":1,"tags":[]}"#), "field \"name\": expected a string")
    }

    func testNumberExpected() {
        XCTAssertEqual(describe(#"{"name":"a","count":"many","tags":[]}"#), "field \"count\": expected a number")
    }

    func testListExpected() {
        XCTAssertEqual(describe(#"{"name":"a","count":1,"tags":"x"}"#), "field \"tags\": expected a list")
    }

    func testListElementIsNamedByIndex() {
        XCTAssertEqual(describe(#"{"name":"a","count":1,"tags":["x",2]}"#), "field \"tags[1]\": expected a string")
    }

    func testUnknownNestedKeyNamesItsPath() {
        XCTAssertEqual(describe(#"{"name":"a","count":1,"tags":[],"inner":{"unknown":1}}"#), "unknown field \"inner.unknown\"")
    }

    func testValueNotFound() {
        let error = DecodingError.valueNotFound(String.self, .init(codingPath: [AnyCodingKey("a"), AnyCodingKey("b")], debugDescription: ""))
        XCTAssertEqual(DecodingErrorDescription.describe(error), "field \"a.b\": expected a string, found nothing")
    }

    func testDataCorruptedUsesTheReason() {
        let error = DecodingError.dataCorrupted(.init(codingPath: [AnyCodingKey("when")], debugDescription: "not a time"))
        XCTAssertEqual(DecodingErrorDescription.describe(error), "field \"when\": not a time")
    }

    func testDataCorruptedAtTheRootHasNoFieldPrefix() {
        let error = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not YAML"))
        XCTAssertEqual(DecodingErrorDescription.describe(error), "not YAML")
    }

    func testJoinErrorGivesItsMessage() {
        XCTAssertEqual(DecodingErrorDescription.describe(JoinError.badParameter("role x is not registered")),
                       "role x is not registered")
    }

    func testCodingPathTextUsesDotsAndIndexes() {
        let path: [any CodingKey] = [AnyCodingKey("spec"), AnyCodingKey("allow"), AnyCodingKey(intValue: 0)!,
                                     AnyCodingKey("aws_account")]
        XCTAssertEqual(CodingPathText.dotted(path), "spec.allow[0].aws_account")
    }
}
