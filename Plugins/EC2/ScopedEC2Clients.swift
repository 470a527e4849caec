import AWSKit
import AsyncHTTPClient
import Foundation
import Synchronization

/// The ``EC2Client`` for each ``InstanceLookupScope``: the Auth server's own credentials (the
/// SDK chain), or, for a scope with a role, credentials from `sts:AssumeRole` into that role,
/// cached per role and region until shortly before they expire.
final class ScopedEC2Clients: Sendable {
    private let httpClient: HTTPClient
    private let environment: [String: String]
    private let ownCredentials: any AWSCredentialProvider
    private let clients = Mutex<[InstanceLookupScope: EC2Client]>([:])

    init(httpClient: HTTPClient, environment: [String: String]) throws {
        self.httpClient = httpClient
        self.environment = environment
        ownCredentials = CachedCredentialProvider(try AWSCredentialChain.standard(environment: environment, httpClient: httpClient))
    }

    func client(for scope: InstanceLookupScope) throws -> EC2Client {
        if let client = clients.withLock({ $0[scope] }) { return client }
        let credentials: any AWSCredentialProvider
        if let role = scope.roleARN {
            let sts = try STSClient(httpClient: httpClient, region: scope.region, credentials: ownCredentials, environment: environment)
            credentials = CachedCredentialProvider(AssumedRoleCredentials(sts: sts, roleARN: role))
        } else {
            credentials = ownCredentials
        }
        let client = try EC2Client(httpClient: httpClient, region: scope.region, credentials: credentials, environment: environment)
        return clients.withLock { clients in
            if let existing = clients[scope] { return existing }
            clients[scope] = client
            return client
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
