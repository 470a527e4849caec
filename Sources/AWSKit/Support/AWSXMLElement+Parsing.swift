import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore

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
