import Foundation
import JoinCore
import OutboundHTTP

/// Reads the ID token out of a CI platform's JSON answer.
enum PlatformAnswer {
    /// - Parameter secret: the credential the request carried, cut out of any answer quoted in
    ///   an error (a service may echo it).
    static func token(_ answer: BoundedHTTPExchange.Response, field: String, service: String, secret: String) throws -> String {
        guard answer.status == 200 else {
            let text = String(decoding: answer.body.prefix(4096), as: UTF8.self).replacingOccurrences(of: secret, with: "[redacted]")
            let body = UntrustedString.quoted(String(text.prefix(200)), limit: 200)
            throw JoinError.accessDenied("\(service) answered HTTP \(answer.status): \(body)")
        }
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body)),
              let token = fields[field]?.stringValue, !token.isEmpty else {
            throw JoinError.badParameter("\(service) answered without a \"\(field)\" token")
        }
        return token
    }
}
