import Foundation
import JoinCore

/// Asks GitHub Actions for an ID token minted for the audience, as `core.getIDToken` does:
/// `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with
/// `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered with `{"value": "<jwt>"}`.
/// GitHub sets both variables only in jobs with `permissions: id-token: write`.
public struct GitHubActionsTokenSource: IDTokenSource {
    public static let urlVariable = "ACTIONS_ID_TOKEN_REQUEST_URL"
    public static let tokenVariable = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
    let audience: String
    let environment: [String: String]
    let http: OIDCHTTPClient

    /// - Parameter audience: what GitHub mints the token for (`teleport.cluster.local` for the
    ///   `github` method, as Teleport asks).
    public init(audience: String, environment: [String: String]) {
        self.audience = audience
        self.environment = environment
        http = OIDCHTTPClient(environment: environment)
    }

    public func idToken() async throws -> String {
        guard let base = environment[Self.urlVariable], !base.isEmpty,
              let requestToken = environment[Self.tokenVariable], !requestToken.isEmpty else {
            let missing = environment[Self.urlVariable]?.isEmpty == false ? Self.tokenVariable : Self.urlVariable
            throw JoinError.badParameter("\(missing) environment variable missing: this job has no id-token permission; add `permissions: id-token: write` to the workflow or the job")
        }
        guard var components = URLComponents(string: base) else {
            throw JoinError.badParameter("\(Self.urlVariable) is not a URL")
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "audience", value: audience)]
        // "+" is legal in a query, but a server decodes it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw JoinError.badParameter("\(Self.urlVariable) is not a URL") }
        let answer = try await http.send(.GET, url, headers: [("Authorization", "Bearer \(requestToken)")],
                                         peer: "the GitHub Actions ID token service", maximumBytes: 64 * 1024)
        return try PlatformAnswer.token(answer, field: "value", service: "the GitHub Actions ID token service", secret: requestToken)
    }
}
