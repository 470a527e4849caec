import Foundation
import JoinCore
import OutboundHTTP

/// Reads the ID token out of a CI platform's JSON answer.
enum PlatformAnswer {
    static func token(_ answer: BoundedHTTPExchange.Response, field: String, service: String) throws -> String {
        guard answer.status == 200 else {
            let body = OIDCText.quoted(String(decoding: answer.body.prefix(200), as: UTF8.self), limit: 200)
            throw JoinError.accessDenied("\(service) answered HTTP \(answer.status): \(body)")
        }
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body)),
              let token = fields[field]?.stringValue, !token.isEmpty else {
            throw JoinError.badParameter("\(service) answered without a \"\(field)\" token")
        }
        return token
    }
}
