import Foundation
import NIOHTTP1

/// An HTTP request in the shape SigV4 signs: method, path and query as they go on the wire,
/// ordered (possibly repeated) headers, and the exact body bytes.
///
/// The path and query are kept as raw text rather than a `URL` because SigV4 signs exactly
/// what is sent, and because a server re-checking a client's signature (the IAM join method)
/// must rebuild the canonical request from the bytes it received, not from a re-serialised URL.
public struct SignableRequest: Sendable {
    /// The HTTP method, e.g. `POST`.
    public var method: String
    /// The path as sent on the wire (may hold percent-escapes); empty means `/`.
    public var path: String
    /// The query string without the leading `?`; empty when there is none.
    public var query: String
    /// Every header in order; repeated names are kept as separate entries.
    public var headers: HTTPHeaders
    /// The body bytes exactly as sent.
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// A request for `url`, with a `Host` header (host plus any non-default port) added when
    /// `headers` has none.
    public init(method: String, url: URL, headers: HTTPHeaders = [:], body: [UInt8] = []) throws {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let host = components.host, !host.isEmpty else {
            throw JoinErrorFactory.badURL(url)
        }
        self.method = method
        self.path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.query = components.percentEncodedQuery ?? ""
        self.headers = headers
        self.body = body
        if !self.headers.contains(name: "host") {
            self.headers.add(name: "Host", value: Self.hostHeaderValue(host: host, port: components.port, scheme: components.scheme))
        }
    }

    /// `host` or `host:port`; the port is left out when it is the scheme's default, as HTTP
    /// clients do, so that the signed value equals the one sent.
    static func hostHeaderValue(host: String, port: Int?, scheme: String?) -> String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port else { return bracketed }
        let defaultPort = scheme?.lowercased() == "https" ? 443 : 80
        return port == defaultPort ? bracketed : "\(bracketed):\(port)"
    }
}
