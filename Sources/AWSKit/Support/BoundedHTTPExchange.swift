import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore

/// One HTTP request with a deadline and a bounded read, for code outside AWSKit that must
/// call an AWS endpoint with bytes it did not build through ``AWSQueryClient`` (the IAM join
/// method forwards a request the joining node signed).
///
/// It is ``BoundedResponseReader`` made public: transport failures become `JoinError`s that
/// name the peer, and a response over `maximumBytes` is refused without being buffered.
public struct BoundedHTTPExchange: Sendable {
    /// What came back: the status and at most `maximumBytes` of body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]
    }

    public let httpClient: HTTPClient
    public let timeout: TimeAmount
    public let maximumBytes: Int

    public init(httpClient: HTTPClient, timeout: TimeAmount, maximumBytes: Int) {
        self.httpClient = httpClient
        self.timeout = timeout
        self.maximumBytes = maximumBytes
    }

    /// Sends `request`; `peer` names the other side in messages (e.g. `AWS STS at https://…`).
    public func send(_ request: HTTPClientRequest, peer: String) async throws -> Response {
        let reader = BoundedResponseReader(httpClient: httpClient, timeout: timeout, maximumBytes: maximumBytes)
        let response = try await reader.send(request, peer: peer)
        return Response(status: response.status, headers: response.headers, body: response.body)
    }
}

extension AWSXMLElement {
    /// Parses an AWS query-protocol XML document (no external entities are resolved).
    public init(parsingXML bytes: [UInt8]) throws {
        do {
            self = try AWSXMLParser.parse(bytes)
        } catch {
            throw JoinError.badParameter("the answer is not well-formed XML: \(error.reason)")
        }
    }
}

extension AWSServiceError {
    /// The AWS error document in `body` (`<ErrorResponse><Error><Code>…`), if it is one; the
    /// message is cleaned of `secrets` and of quoted canonical requests.
    public static func parse(_ body: [UInt8], service: String, action: String, status: Int,
                             secrets: [String] = []) -> AWSServiceError? {
        guard let root = try? AWSXMLParser.parse(body),
              let error = from(root, service: service, action: action, status: status) else { return nil }
        return AWSServiceError(service: error.service, action: error.action, code: error.code,
                               message: SecretRedaction.clean(error.message, secrets: secrets),
                               status: error.status, requestID: error.requestID)
    }
}

/// Cleans text that came back from a server before it goes into an error: cuts quoted
/// canonical requests, replaces every known secret, strips control characters, limits length.
public enum AWSResponseText {
    public static func clean(_ text: String, secrets: [String], limit: Int = 600) -> String {
        SecretRedaction.clean(text, secrets: secrets, limit: limit)
    }
}
