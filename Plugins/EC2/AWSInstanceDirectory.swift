import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import Synchronization

/// ``InstanceDirectory`` on AWS: `ec2:DescribeInstances` in the instance's region with the
/// Auth server's own credentials (the SDK chain), or, when an allow rule names `aws_role`,
/// with credentials from `sts:AssumeRole` into that role. Assumed credentials are cached per
/// role and region until shortly before they expire.
public final class AWSInstanceDirectory: InstanceDirectory {
    private let httpClient: HTTPClient
    private let environment: [String: String]
    private let ownCredentials: any AWSCredentialProvider
    private let assumed = Mutex<[String: CachedCredentialProvider]>([:])

    public init(httpClient: HTTPClient = .shared, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.httpClient = httpClient
        self.environment = environment
        ownCredentials = CachedCredentialProvider(try AWSCredentialChain.standard(environment: environment, httpClient: httpClient))
    }

    public func state(ofInstance instanceID: String, region: String, assumingRole roleARN: String?) async throws -> String? {
        let credentials = try roleARN.map { try assumedCredentials(role: $0, region: region) } ?? ownCredentials
        let client = try EC2Client(httpClient: httpClient, region: region, credentials: credentials, environment: environment)
        return try await client.describeInstance(id: instanceID)?.stateName
    }

    private func assumedCredentials(role: String, region: String) throws -> CachedCredentialProvider {
        let sts = try STSClient(httpClient: httpClient, region: region, credentials: ownCredentials, environment: environment)
        return assumed.withLock { cache in
            let key = role + "|" + region
            if let provider = cache[key] { return provider }
            let provider = CachedCredentialProvider(AssumedRoleCredentials(sts: sts, roleARN: role))
            cache[key] = provider
            return provider
        }
    }
}

/// Credentials for one role, fetched with `sts:AssumeRole` each time the cache asks.
struct AssumedRoleCredentials: AWSCredentialProvider {
    let sts: STSClient
    let roleARN: String

    func credentials() async throws -> AWSCredentials? {
        let session = "joinery-\(UInt64(Date().timeIntervalSince1970 * 1_000_000_000))"
        return try await sts.assumeRole(roleARN: roleARN, sessionName: session)
    }
}
