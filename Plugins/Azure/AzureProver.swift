import Foundation
import JoinCore
import OIDCKit

/// The `azure` method, client half: answers the Auth server's challenge with the VM's
/// attested data for the nonce derived from it (``AzureNonce``) and its managed identity's
/// access token for Resource Manager, both from IMDS.
///
/// IMDS is `http://169.254.169.254` (never through a proxy), or `IMDS_ENDPOINT` when set (the
/// Azure SDKs' variable; tests). `join_params.azure.client_id` (teleport.yaml) or
/// `onboarding.azure.client_id` (tbot.yaml) picks one of several user-assigned identities.
public struct AzureProver: JoinProver {
    public let name = AzureJoinMethod.methodName
    static let endpointVariable = "IMDS_ENDPOINT"
    static let defaultEndpoint = "http://169.254.169.254"
    static let sectionKey = "azure"
    static let fields: [String: ProverSettings.Kind] = ["client_id": .text]
    static let joinParamsSection = ProverSettings.joinParamsSection(key: sectionKey, fields: fields)

    let endpoint: String
    let clientID: String?
    let http: OIDCHTTPClient

    public init(context: ProverContext) throws {
        clientID = try ProverSettings(context, key: Self.sectionKey, fields: Self.fields).text("client_id").flatMap { $0.isEmpty ? nil : $0 }
        let configured = context.environment[Self.endpointVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultEndpoint
        endpoint = configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        http = OIDCHTTPClient(environment: [:], allowsHTTP: true)
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        let challengeText = String(decoding: challenge, as: UTF8.self)
        guard AzureNonce.isWellFormed(challengeText) else {
            throw JoinError.badParameter("azure: the Auth server sent a challenge that is not 32 characters of base64url; refusing to use it")
        }
        guard let keyBinding = request.keyBinding else {
            throw JoinError.internalError("azure: no key binding: the proof must be bound to the keys this join certifies")
        }
        let nonce = AzureNonce.make(challenge: challengeText, keyBinding: keyBinding)
        let attested = try await fetch("/metadata/attested/document?api-version=2021-02-01&format=json&nonce=\(nonce)",
                                       what: "attested data")
        var tokenQuery = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F"
        if let clientID, let encoded = clientID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            tokenQuery += "&client_id=\(encoded)"
        }
        let tokenAnswer = try await fetch(tokenQuery, what: "managed identity access token")
        struct TokenAnswer: Decodable { var access_token: String? }
        guard let token = (try? JSONDecoder().decode(TokenAnswer.self, from: Data(tokenAnswer.utf8)))?.access_token, !token.isEmpty else {
            throw JoinError.badParameter("azure: IMDS answered the token request without an access_token")
        }
        return try JSONEncoder().encode(AzureMessages.Solution(attestedData: attested, accessToken: token))
    }

    private func fetch(_ pathAndQuery: String, what: String) async throws -> String {
        guard let url = URL(string: endpoint + pathAndQuery) else {
            throw JoinError.badParameter("\(Self.endpointVariable)=\(endpoint) does not make a URL")
        }
        let peer = "the Azure instance metadata service at \(endpoint) (could not reach instance metadata: is this an Azure VM?)"
        let answer = try await http.send(.GET, url, headers: [("Metadata", "true")], peer: peer,
                                         maximumBytes: AzureMessages.maximumSolutionBytes / 2)
        guard answer.status == 200 else {
            let said = String(decoding: answer.body.prefix(200), as: UTF8.self)
            throw JoinError.accessDenied("\(peer) refused the \(what) request with HTTP \(answer.status): \(UntrustedString.quoted(said, limit: 200))")
        }
        return String(decoding: answer.body, as: UTF8.self)
    }
}
