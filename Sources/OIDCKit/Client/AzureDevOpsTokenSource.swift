import Foundation
import JoinCore

/// Asks Azure Pipelines for the job's ID token: `POST $SYSTEM_OIDCREQUESTURI?api-version=7.1`
/// with `Authorization: Bearer $SYSTEM_ACCESSTOKEN` and no body, answered with
/// `{"oidcToken": "<jwt>"}`. The pipeline must map the job's access token into the
/// environment (`env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`).
public struct AzureDevOpsTokenSource: IDTokenSource {
    public static let urlVariable = "SYSTEM_OIDCREQUESTURI"
    public static let tokenVariable = "SYSTEM_ACCESSTOKEN"
    public static let apiVersion = "7.1"
    let environment: [String: String]
    let http: OIDCHTTPClient

    public init(environment: [String: String]) {
        self.environment = environment
        http = OIDCHTTPClient(environment: environment)
    }

    public func idToken() async throws -> String {
        guard let accessToken = environment[Self.tokenVariable], !accessToken.isEmpty else {
            throw JoinError.badParameter("\(Self.tokenVariable) environment variable missing: map it into the step's environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))")
        }
        guard let base = environment[Self.urlVariable], !base.isEmpty else {
            throw JoinError.badParameter("\(Self.urlVariable) environment variable missing: run tbot in an Azure Pipelines job")
        }
        guard var components = URLComponents(string: base) else {
            throw JoinError.badParameter("\(Self.urlVariable) is not a URL")
        }
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "api-version" }
            + [URLQueryItem(name: "api-version", value: Self.apiVersion)]
        guard let url = components.url else { throw JoinError.badParameter("\(Self.urlVariable) is not a URL") }
        let answer = try await http.send(.POST, url, headers: [("Authorization", "Bearer \(accessToken)"), ("Content-Type", "application/json")],
                                         peer: "the Azure DevOps OIDC token service", maximumBytes: 64 * 1024)
        return try PlatformAnswer.token(answer, field: "oidcToken", service: "the Azure DevOps OIDC token service", secret: accessToken)
    }
}
