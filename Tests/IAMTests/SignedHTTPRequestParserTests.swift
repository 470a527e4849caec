@testable import IAMJoin
import JoinCore
import XCTest

/// The parser of the node's raw request refuses every ambiguity an attacker could use to make
/// the Auth server and AWS read different requests.
final class SignedHTTPRequestParserTests: XCTestCase {
    static let body = "Action=GetCallerIdentity&Version=2011-06-15"

    private func wire(_ lines: [String], body: String = body) -> [UInt8] {
        Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    private func standardLines(host: String = "sts.us-east-1.amazonaws.com") -> [String] {
        ["POST / HTTP/1.1", "Host: \(host)", "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
         "X-Teleport-Challenge: abc", "Content-Length: \(Self.body.utf8.count)"]
    }

    private func assertRejected(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SignedHTTPRequest.parse(bytes), file: file, line: line) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(expected), "\"\(message)\" lacks \"\(expected)\"", file: file, line: line)
        }
    }

    func testWellFormedRequestParses() throws {
        let request = try SignedHTTPRequest.parse(wire(standardLines()))
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.target, "/")
        XCTAssertEqual(request.header("host"), "sts.us-east-1.amazonaws.com")
        XCTAssertEqual(request.header("X-TELEPORT-CHALLENGE"), "abc")
        XCTAssertEqual(request.body, Array(Self.body.utf8))
    }

    func testDuplicatedHostIsRejected() {
        assertRejected(wire(standardLines() + ["Host: evil.example"]), "header Host appears more than once")
    }

    func testDuplicatedHostWithDifferentCaseIsRejected() {
        assertRejected(wire(standardLines() + ["host: sts.us-east-1.amazonaws.com"]), "appears more than once")
    }

    func testDuplicatedContentLengthIsRejected() {
        assertRejected(wire(standardLines() + ["Content-Length: 0"]), "header Content-Length appears more than once")
    }

    func testFoldedHeaderLineIsRejected() {
        var lines = standardLines()
        lines.insert(" evil.example", at: 2)
        assertRejected(wire(lines), "obsolete line folding")
    }

    func testHeaderNameWithSpaceIsRejected() {
        assertRejected(wire(standardLines() + ["Host : evil.example"]), "not allowed in a token")
    }

    func testBodyLongerThanContentLengthIsRejected() {
        let smuggled = Self.body + "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"
        assertRejected(wire(standardLines(), body: smuggled), "follow the 43-byte body")
    }

    func testBodyShorterThanContentLengthIsRejected() {
        assertRejected(wire(standardLines(), body: "Action=GetCallerIdentity"), "Content-Length declares 43")
    }

    func testBareLFLineEndingIsRejected() {
        let text = standardLines().joined(separator: "\n") + "\r\n\r\n" + Self.body
        assertRejected(Array(text.utf8), "bare LF")
    }

    func testBareLFInsideAHeaderIsRejected() {
        var lines = standardLines()
        lines[1] = "Host: sts.us-east-1.amazonaws.com\nHost: evil.example"
        assertRejected(wire(lines), "bare LF")
    }

    func testBareCRIsRejected() {
        var lines = standardLines()
        lines[1] = "Host: sts.us-east-1.amazonaws.com\rX: y"
        assertRejected(wire(lines), "bare CR")
    }

    func testTransferEncodingIsRejected() {
        assertRejected(wire(standardLines() + ["Transfer-Encoding: chunked"]), "Transfer-Encoding is not accepted")
    }

    func testNonNumericContentLengthIsRejected() {
        var lines = standardLines()
        lines[4] = "Content-Length: +43"
        assertRejected(wire(lines), "Content-Length is not a decimal number")
    }

    func testMissingHostIsRejected() {
        var lines = standardLines()
        lines.remove(at: 1)
        assertRejected(wire(lines), "no Host header")
    }

    func testHTTP10AndExtraRequestLineSpacesAreRejected() {
        var lines = standardLines()
        lines[0] = "POST / HTTP/1.0"
        assertRejected(wire(lines), "not HTTP/1.1")
        lines[0] = "POST  / HTTP/1.1"
        assertRejected(wire(lines), "request line")
    }

    func testOversizedRequestIsRejected() {
        let padding = "X-Padding: " + String(repeating: "a", count: 17 * 1024)
        assertRejected(wire(standardLines() + [padding]), "more than the 16384 accepted")
    }

    func testMissingHeadTerminatorIsRejected() {
        assertRejected(Array("POST / HTTP/1.1\r\nHost: sts.amazonaws.com\r\n".utf8), "does not end with an empty line")
    }

    func testControlCharacterInAHeaderValueIsRejected() {
        assertRejected(wire(standardLines() + ["X-Evil: a\u{0}b"]), "control characters")
    }
}
