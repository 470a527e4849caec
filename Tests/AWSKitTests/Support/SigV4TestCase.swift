import AWSKit
import Foundation
import NIOHTTP1
import TestSupport

/// One case of the official AWS SigV4 test suite (in `Tests/Fixtures/sigv4/aws4_testsuite`): the
/// `.req` to sign and the expected `.creq`, `.sts` and `.authz`.
struct SigV4TestCase {
    static let accessKeyID = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let region = "us-east-1"
    static let service = "service"
    static let date = SigV4Timestamp.parse("20150830T123600Z")!

    let name: String
    let request: SignableRequest
    let expectedCanonicalRequest: String
    let expectedStringToSign: String
    let expectedAuthorization: String
    /// The session token, from `x-amz-security-token` in `.creq` (signed) or in `.sreq` only (added after signing).
    let sessionToken: String?
    let tokenPlacement: SigV4Signer.SessionTokenPlacement

    /// Every case folder under `root`, sorted by name (folders nest, e.g. `normalize-path/*`).
    static func all(under root: URL) throws -> [SigV4TestCase] {
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var cases: [SigV4TestCase] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "req" { cases.append(try SigV4TestCase(requestFile: url)) }
        }
        return cases.sorted { $0.name < $1.name }
    }

    init(requestFile: URL) throws {
        let base = requestFile.deletingPathExtension()
        func read(_ ext: String) throws -> String { try Fixtures.string(at: base.appendingPathExtension(ext)) }
        name = base.lastPathComponent
        request = try Self.parse(try read("req"))
        expectedCanonicalRequest = try read("creq")
        expectedStringToSign = try read("sts")
        expectedAuthorization = try read("authz")
        func tokenLine(in text: String) -> String? {
            text.split(separator: "\n").first { $0.lowercased().hasPrefix("x-amz-security-token:") }
                .map { String($0.drop { $0 != ":" }.dropFirst()).trimmingCharacters(in: .whitespaces) }
        }
        if let signed = tokenLine(in: expectedCanonicalRequest) {
            sessionToken = signed
            tokenPlacement = .signedHeader
        } else if let after = tokenLine(in: try read("sreq")) {
            sessionToken = after
            tokenPlacement = .headerAddedAfterSigning
        } else {
            sessionToken = nil
            tokenPlacement = .signedHeader
        }
    }

    /// Parses the suite's raw HTTP: `METHOD <path[?query]> HTTP/1.1`, header lines (a line
    /// starting with whitespace continues the previous value), a blank line, the body.
    static func parse(_ text: String) throws -> SignableRequest {
        let (head, body): (Substring, Substring) = {
            if let range = text.range(of: "\n\n") { return (text[..<range.lowerBound], text[range.upperBound...]) }
            return (text[...], "")
        }()
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "), let versionRange = requestLine.range(of: " HTTP/", options: .backwards) else {
            throw TestFailure("bad request line \(requestLine)")
        }
        let method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<versionRange.lowerBound])
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var fields: [(String, String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return SignableRequest(method: method, path: String(path[0]), query: path.count > 1 ? String(path[1]) : "",
                               headers: HTTPHeaders(fields), body: Array(body.utf8))
    }
}
