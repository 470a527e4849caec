import Crypto
import Foundation
import JoinCore

/// The canonical request of SigV4 (task 1 of the signing process) and the pieces it is made of.
///
/// Kept apart from the signer so that a server can rebuild the canonical request of a request
/// some *client* signed, using the header list that client named in its `Authorization`
/// header, and compare or forward it.
public struct SigV4CanonicalRequest: Sendable, Equatable {
    /// The full canonical request text, lines joined with `\n`.
    public let text: String
    /// The lower-cased, sorted header names that were signed.
    public let signedHeaderNames: [String]
    /// Lower-case hex SHA-256 of the body.
    public let payloadHash: String

    /// `signedHeaderNames` joined with `;`, as in the `SignedHeaders=` field.
    public var signedHeaders: String { signedHeaderNames.joined(separator: ";") }

    /// Lower-case hex SHA-256 of ``text``, the last line of the string to sign.
    public var hash: String { SHA256.hash(data: Array(text.utf8)).hexString }

    /// Headers never signed: they are added or changed by proxies and HTTP clients after signing.
    static let unsignableHeaderNames: Set<String> = ["authorization", "user-agent", "x-amzn-trace-id", "expect"]

    /// Builds the canonical request for `request`.
    ///
    /// - Parameters:
    ///   - signedHeaderNames: the headers to sign, case-insensitive; `nil` signs every header
    ///     except the unsignable ones. Naming a header the request lacks is an error.
    ///   - options: path normalisation and encoding rules (S3 differs from other services).
    public init(request: SignableRequest, signedHeaderNames: [String]? = nil, options: SigV4Signer.Options = .init()) throws {
        let canonicalHeaders = Self.canonicalHeaders(of: request)
        let names: [String]
        if let signedHeaderNames {
            names = Array(Set(signedHeaderNames.map { $0.lowercased() })).sorted()
            for name in names where canonicalHeaders[name] == nil {
                throw JoinError.badParameter("the request names \(name) as a signed header but does not carry it")
            }
        } else {
            names = canonicalHeaders.keys.filter { !Self.unsignableHeaderNames.contains($0) }.sorted()
        }
        guard names.contains("host") else {
            throw JoinError.badParameter("a SigV4-signed request needs a Host header among its signed headers")
        }
        let headerLines = names.map { "\($0):\(canonicalHeaders[$0]!)\n" }.joined()
        let payloadHash = SHA256.hash(data: request.body).hexString
        self.signedHeaderNames = names
        self.payloadHash = payloadHash
        self.text = [
            request.method.uppercased(),
            Self.canonicalPath(request.path, options: options),
            Self.canonicalQuery(request.query),
            headerLines,
            names.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    /// The canonical URI: dot segments and repeated slashes removed (unless disabled, as for
    /// S3), then percent-encoded once more, so a path already escaped on the wire ends up
    /// double-encoded as AWS requires for every service but S3.
    static func canonicalPath(_ path: String, options: SigV4Signer.Options) -> String {
        let rawPath = path.isEmpty ? "/" : path
        let normalised = options.normalizesPath ? removingDotSegments(rawPath) : rawPath
        return options.uriEncodesPath ? SigV4URIEncoding.encode(normalised, keepingSlashes: true) : normalised
    }

    /// RFC 3986 dot-segment removal that also drops empty segments, keeping a leading and a
    /// trailing slash (the rule botocore and the AWS test suite follow).
    static func removingDotSegments(_ path: String) -> String {
        var kept: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !kept.isEmpty { kept.removeLast() }
            default: kept.append(segment)
            }
        }
        let leading = path.hasPrefix("/") || kept.isEmpty ? "/" : ""
        let trailing = path.hasSuffix("/") && !kept.isEmpty ? "/" : ""
        return leading + kept.joined(separator: "/") + trailing
    }

    /// The canonical query: each name and value decoded, strictly re-encoded, then sorted by
    /// name and by value; a name without `=` gets an empty value.
    static func canonicalQuery(_ query: String) -> String {
        let pairs: [(name: String, value: String)] = query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = SigV4URIEncoding.decode(parts[0], plusAsSpace: true)
            let value = parts.count > 1 ? SigV4URIEncoding.decode(parts[1], plusAsSpace: true) : ""
            return (SigV4URIEncoding.encode(name), SigV4URIEncoding.encode(value))
        }
        return pairs
            .sorted { $0.name == $1.name ? $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// Lower-cased names mapped to their values: each value trimmed with inner runs of
    /// whitespace (including folded line breaks) made one space, repeated headers joined with
    /// `,` in the order they appear.
    static func canonicalHeaders(of request: SignableRequest) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in request.headers {
            let key = name.lowercased()
            let folded = foldingWhitespace(value)
            if let existing = result[key] {
                result[key] = existing + "," + folded
            } else {
                result[key] = folded
            }
        }
        return result
    }

    static func foldingWhitespace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
            .joined(separator: " ")
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in self {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension SHA256.Digest {
    var hexString: String { Array(self).hexString }
}
