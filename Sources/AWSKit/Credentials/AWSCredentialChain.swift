import AsyncHTTPClient
import Foundation
import JoinCore

/// The AWS SDKs' default credential chain: the environment, then the shared files, then the
/// EC2 instance role, the first source with credentials winning.
///
/// A source that is present but broken stops the chain with its own error (a silently skipped
/// misconfiguration would surface much later as an access-denied from AWS). A source that is
/// merely unreachable (no instance metadata service off EC2) lets the chain go on, and its
/// reason is part of the final "no credentials" message.
public struct AWSCredentialChain: AWSCredentialProvider {
    public let providers: [any AWSCredentialProvider]

    public init(providers: [any AWSCredentialProvider]) {
        self.providers = providers
    }

    /// The SDK order for `environment`. The instance-role source is left out when `imds` is nil
    /// or `AWS_EC2_METADATA_DISABLED` is `true`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                imds: IMDSClient?) -> AWSCredentialChain {
        var providers: [any AWSCredentialProvider] = [
            EnvironmentCredentialProvider(environment: environment),
            SharedFileCredentialProvider(environment: environment),
        ]
        let imdsDisabled = environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
        if let imds, !imdsDisabled {
            providers.append(InstanceRoleCredentialProvider(imds: imds))
        }
        return AWSCredentialChain(providers: providers)
    }

    /// The standard chain for `environment`, talking to the instance metadata service through
    /// `httpClient` (at `AWS_EC2_METADATA_SERVICE_ENDPOINT` when set).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                httpClient: HTTPClient) throws -> AWSCredentialChain {
        standard(environment: environment, imds: try IMDSClient(httpClient: httpClient, environment: environment))
    }

    public func credentials() async throws -> AWSCredentials? {
        try await firstCredentials().credentials
    }

    /// The first credentials found, or an error that lists where they were looked for.
    public func resolve() async throws -> AWSCredentials {
        let (found, unreachable) = try await firstCredentials()
        if let found { return found }
        var message = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, put keys in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials; profile from AWS_PROFILE), or run on EC2 with an instance role"
        if !unreachable.isEmpty {
            message += " (" + unreachable.joined(separator: "; ") + ")"
        }
        throw JoinError.notFound(message)
    }

    private func firstCredentials() async throws -> (credentials: AWSCredentials?, unreachable: [String]) {
        var unreachable: [String] = []
        for provider in providers {
            do {
                if let found = try await provider.credentials() { return (found, unreachable) }
            } catch let error as JoinError where error.kind == .unavailable {
                unreachable.append(error.message)
            }
        }
        return (nil, unreachable)
    }
}
