import AsyncHTTPClient
import Foundation
import JoinCore
import OutboundHTTP

/// The STS API calls joining needs: AssumeRole (multi-account EC2 joins) and GetCallerIdentity.
public struct STSClient: Sendable {
    public static let apiVersion = "2011-06-15"

    public let query: AWSQueryClient

    public init(query: AWSQueryClient) {
        self.query = query
    }

    /// A client for `region`, at the endpoint `environment` configures (``AWSEndpointResolver``),
    /// through the proxy it names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) unless `proxyEnvironment`
    /// is given. A malformed proxy variable is thrown by each call, not here.
    public init(httpClient: HTTPClient, region: String, credentials: any AWSCredentialProvider,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                options: AWSRequestOptions = .init(), proxyEnvironment: ProxyEnvironment? = nil) throws {
        let endpoint = try AWSEndpointResolver(environment: environment).endpoint(for: .sts, region: region)
        let proxySettings = proxyEnvironment.map { .success($0) } ?? ProxiedHTTPClients.settings(environment: environment)
        self.init(query: AWSQueryClient(httpClient: httpClient, service: .sts, endpoint: endpoint, region: region,
                                        credentials: credentials, options: options, proxySettings: proxySettings))
    }

    /// Temporary credentials for `roleARN`.
    ///
    /// - Parameter durationSeconds: how long they last (AWS allows 900 s up to the role's maximum); nil for AWS's default of one hour.
    public func assumeRole(roleARN: String, sessionName: String, durationSeconds: Int? = nil) async throws -> AWSCredentials {
        guard roleARN.hasPrefix("arn:"), roleARN.contains(":role/") else {
            throw JoinError.badParameter("\"\(roleARN)\" is not an IAM role ARN (expected arn:aws:iam::<account>:role/<name>)")
        }
        var parameters: [(name: String, value: String)] = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let response = try await query.call(action: "AssumeRole", version: Self.apiVersion, parameters: parameters)
        guard let credentials = response.element(at: "AssumeRoleResult", "Credentials"),
              let keyID = credentials.text(at: "AccessKeyId"), !keyID.isEmpty,
              let secret = credentials.text(at: "SecretAccessKey"), !secret.isEmpty,
              let token = credentials.text(at: "SessionToken"), !token.isEmpty else {
            throw JoinError.unavailable("\(query.service) AssumeRole for \(roleARN) answered without AssumeRoleResult/Credentials: check that the endpoint is the STS API")
        }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token,
                              expiration: credentials.text(at: "Expiration").flatMap(RFC3339.parse))
    }

    /// The account, ARN and user ID of the credentials this client signs with.
    public func getCallerIdentity() async throws -> STSCallerIdentity {
        let response = try await query.call(action: "GetCallerIdentity", version: Self.apiVersion)
        guard let result = response.child("GetCallerIdentityResult"),
              let account = result.text(at: "Account"), let arn = result.text(at: "Arn"),
              let userID = result.text(at: "UserId") else {
            throw JoinError.unavailable("\(query.service) GetCallerIdentity answered without Account, Arn and UserId: check that the endpoint is the STS API")
        }
        return STSCallerIdentity(account: account, arn: arn, userID: userID)
    }
}
