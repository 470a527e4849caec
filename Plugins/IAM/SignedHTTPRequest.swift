import JoinCore

/// The node's signed `sts:GetCallerIdentity` request as it arrived: an HTTP/1.1 request in
/// wire format (request line, headers, blank line, body), parsed by ``SignedHTTPRequest/parse(_:)``.
///
/// The bytes come from the joining node, which may be an attacker, and the Auth server forwards
/// them to AWS. So the parser is strict where HTTP implementations disagree (the classic
/// request-smuggling ambiguities): CRLF line endings only, no folded header lines, no space in
/// or before a header name, no repeated header, no `Transfer-Encoding`, a body exactly as long
/// as `Content-Length` says, and a bounded size. Anything it accepts means one thing to every
/// HTTP implementation, including the one AWS runs.
package struct SignedHTTPRequest: Sendable {
    static let maximumBytes = 16 * 1024
    static let maximumHeaderCount = 64

    let method: String
    /// The request target exactly as sent (the IAM method requires `/`).
    let target: String
    /// Headers in order, names as sent; no name appears twice.
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// The value of header `name` (case-insensitive), if present.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Parses `bytes`; every rejection is a `badParameter` naming the rule broken, never echoing
    /// a header value (it may hold the signature or a session token).
    package static func parse(_ bytes: [UInt8]) throws -> SignedHTTPRequest {
        guard !bytes.isEmpty else { throw malformed("it is empty") }
        guard bytes.count <= maximumBytes else {
            throw malformed("it is \(bytes.count) bytes, more than the \(maximumBytes) accepted")
        }
        guard let headEnd = indexOfHeadTerminator(in: bytes) else {
            throw malformed("the header section does not end with an empty line (CRLF CRLF)")
        }
        let head = bytes[..<headEnd]
        // Every CR must start a CRLF and every LF must end one: bare CR or LF are read as line
        // breaks by some parsers and as data by others.
        for index in head.indices {
            if head[index] == 13, index + 1 >= head.endIndex || head[index + 1] != 10 {
                throw malformed("a line contains a bare CR")
            }
            if head[index] == 10, index == head.startIndex || head[index - 1] != 13 {
                throw malformed("a line ends with a bare LF instead of CRLF")
            }
        }
        var lines = split(head)
        let requestLine = lines.removeFirst()
        let (method, target) = try parseRequestLine(requestLine)

        guard lines.count <= maximumHeaderCount else {
            throw malformed("it has more than \(maximumHeaderCount) header lines")
        }
        var headers: [(name: String, value: String)] = []
        var seen = Set<String>()
        for line in lines {
            let (name, value) = try parseHeaderLine(line)
            guard seen.insert(name.lowercased()).inserted else {
                throw malformed("header \(name) appears more than once")
            }
            headers.append((name, value))
        }
        if seen.contains("transfer-encoding") {
            throw malformed("Transfer-Encoding is not accepted; send the body with Content-Length")
        }
        guard seen.contains("host") else { throw malformed("it has no Host header") }

        let body = Array(bytes[(headEnd + 4)...])
        let declared: Int
        if let text = headers.first(where: { $0.name.lowercased() == "content-length" })?.value {
            guard !text.isEmpty, text.utf8.count <= 6, text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(text) else {
                throw malformed("Content-Length is not a decimal number")
            }
            declared = value
        } else {
            declared = 0
        }
        guard body.count == declared else {
            throw malformed(body.count > declared
                ? "\(body.count - declared) bytes follow the \(declared)-byte body Content-Length declares"
                : "the body is \(body.count) bytes but Content-Length declares \(declared)")
        }
        return SignedHTTPRequest(method: method, target: target, headers: headers, body: body)
    }

    private static func malformed(_ reason: String) -> JoinError {
        .badParameter("the sts identity request is not a well-formed HTTP/1.1 request: \(reason)")
    }

    private static func indexOfHeadTerminator(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Splits the head (already checked to use CRLF only) into lines.
    private static func split(_ head: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            if head[index] == 13 {
                lines.append(head[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(head[start..<head.endIndex])
        return lines
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws -> (String, String) {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw malformed("the request line is not <method> SP <target> SP HTTP/1.1")
        }
        guard !parts[0].isEmpty, parts[0].count <= 16, parts[0].allSatisfy({ (65...90).contains($0) }) else {
            throw malformed("the method is not an upper-case token")
        }
        guard !parts[1].isEmpty, parts[1].count <= 2048, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw malformed("the request target is empty or has characters outside visible ASCII")
        }
        guard Array(parts[2]) == Array("HTTP/1.1".utf8) else {
            throw malformed("the protocol is not HTTP/1.1")
        }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self))
    }

    private static func parseHeaderLine(_ line: ArraySlice<UInt8>) throws -> (String, String) {
        guard let first = line.first else { throw malformed("an empty header line") }
        if first == 32 || first == 9 {
            throw malformed("a header line starts with whitespace (obsolete line folding is not accepted)")
        }
        guard let colon = line.firstIndex(of: 58) else {
            throw malformed("a header line has no ':'")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenCharacter) else {
            throw malformed("a header name is empty or has characters not allowed in a token (such as a space before ':')")
        }
        let rawValue = line[(colon + 1)...]
        guard rawValue.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
            throw malformed("the value of header \(String(decoding: name, as: UTF8.self)) has control characters")
        }
        let value = String(decoding: rawValue, as: UTF8.self).trimmingSpacesAndTabs()
        return (String(decoding: name, as: UTF8.self), value)
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
            || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

extension String {
    fileprivate func trimmingSpacesAndTabs() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
