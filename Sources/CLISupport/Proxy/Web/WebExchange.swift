import Foundation
import NIOHTTP1

/// One HTTP request to the Proxy Service's web port, read whole (bounded by
/// ``WebRequestHandler``'s limits), with the address it came from.
public struct WebRequest: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var clientAddress: String

    /// The path without the query string.
    public var path: String {
        String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The media type of the body, lowercased, without parameters.
    public var contentType: String {
        (headers.first(name: "content-type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }
}

/// The answer to a ``WebRequest``.
public struct WebResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)] = []

    public init(status: HTTPResponseStatus, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A JSON answer with sorted keys.
    public static func json(_ status: HTTPResponseStatus, _ value: some Encodable) -> WebResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array(#"{"error":{"message":"internal error"}}"#.utf8)
        return WebResponse(status: status, contentType: "application/json", body: body + [UInt8(ascii: "\n")])
    }

    /// Teleport's error shape: `{"error":{"message":"…"}}`.
    public static func error(_ status: HTTPResponseStatus, _ message: String) -> WebResponse {
        json(status, ["error": ["message": message]])
    }

    /// An HTML page that runs no script and loads nothing, cannot be framed, and sends no
    /// referrer (its address may hold a secret, as an invite link does).
    public static func html(_ status: HTTPResponseStatus, _ page: String) -> WebResponse {
        WebResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(page.utf8), headers: [
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"),
            ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
        ])
    }
}

/// Answers the Proxy Service's web requests.
public protocol WebResponder: Sendable {
    func respond(_ request: WebRequest) async -> WebResponse
}
