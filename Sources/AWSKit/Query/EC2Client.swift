import AsyncHTTPClient
import Foundation
import JoinCore
import OutboundHTTP

/// The EC2 API calls joining needs: DescribeInstances, for one instance, a batch, or one page
/// of a batch.
public struct EC2Client: Sendable {
    public static let apiVersion = "2016-11-15"
    /// EC2 accepts at most 200 values in one filter; batches are split well below that.
    static let idsPerRequest = 100
    /// NextToken pages followed before giving up (a bound, not an expected count).
    static let maximumPages = 50

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
        let endpoint = try AWSEndpointResolver(environment: environment).endpoint(for: .ec2, region: region)
        let proxySettings = proxyEnvironment.map { .success($0) } ?? ProxiedHTTPClients.settings(environment: environment)
        self.init(query: AWSQueryClient(httpClient: httpClient, service: .ec2, endpoint: endpoint, region: region,
                                        credentials: credentials, options: options, proxySettings: proxySettings))
    }

    /// The instance's state, or nil when EC2 does not know the instance.
    public func describeInstance(id: String) async throws -> EC2InstanceState? {
        try Self.validateInstanceID(id)
        let response: AWSXMLElement
        do {
            response = try await query.call(action: "DescribeInstances", version: Self.apiVersion,
                                            parameters: [("InstanceId.1", id)])
        } catch let error as AWSServiceError where error.code == "InvalidInstanceID.NotFound" {
            return nil
        }
        return EC2InstanceState.all(in: response).first { $0.instanceID == id }
    }

    /// The states of those of `ids` that EC2 knows, keyed by instance ID; unknown IDs are absent.
    ///
    /// Uses the `instance-id` filter rather than `InstanceId.N`, because EC2 fails a whole
    /// `InstanceId.N` call when any one ID is unknown.
    public func describeInstances(ids: [String]) async throws -> [String: EC2InstanceState] {
        for id in ids { try Self.validateInstanceID(id) }
        let unique = Array(Set(ids)).sorted()
        var states: [String: EC2InstanceState] = [:]
        for start in stride(from: 0, to: unique.count, by: Self.idsPerRequest) {
            let chunk = Array(unique[start..<min(start + Self.idsPerRequest, unique.count)])
            var nextToken: String?
            var pages = 0
            repeat {
                let page = try await describeInstancesPage(ids: chunk, nextToken: nextToken)
                for state in page.states { states[state.instanceID] = state }
                nextToken = page.nextToken
                pages += 1
            } while nextToken != nil && pages < Self.maximumPages
        }
        return states
    }

    /// One `DescribeInstances` request for at most ``maximumIDsPerRequest`` distinct `ids` (the
    /// `instance-id` filter, so unknown IDs are simply absent), continuing after `nextToken`.
    /// Callers that pace or count AWS calls (``describeInstances(ids:)`` does neither) page
    /// with this: one call of it is one request to AWS.
    public func describeInstancesPage(ids: [String], nextToken: String? = nil) async throws -> EC2InstancePage {
        for id in ids { try Self.validateInstanceID(id) }
        var unique: [String] = []
        var seen = Set<String>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        guard unique.count <= Self.idsPerRequest else {
            throw JoinError.badParameter("DescribeInstances takes at most \(Self.idsPerRequest) instance IDs per request, not \(unique.count): split the batch")
        }
        var parameters: [(name: String, value: String)] = [("Filter.1.Name", "instance-id")]
        parameters += unique.enumerated().map { ("Filter.1.Value.\($0.offset + 1)", $0.element) }
        if let nextToken { parameters.append(("NextToken", nextToken)) }
        let response = try await query.call(action: "DescribeInstances", version: Self.apiVersion, parameters: parameters)
        return EC2InstancePage(states: EC2InstanceState.all(in: response).filter { seen.contains($0.instanceID) },
                               nextToken: response.text(at: "nextToken").flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The most distinct instance IDs one ``describeInstancesPage(ids:nextToken:)`` accepts.
    public static var maximumIDsPerRequest: Int { idsPerRequest }

    /// Instance IDs are `i-` and 8 or 17 hex digits; anything else is refused before it is sent.
    ///
    /// - Throws: `JoinError.badParameter` naming the (truncated) ID.
    public static func validateInstanceID(_ id: String) throws {
        let digits = id.dropFirst(2)
        guard id.hasPrefix("i-"), (8...17).contains(digits.count),
              digits.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw JoinError.badParameter("\"\(id.prefix(40))\" is not an EC2 instance ID (expected i- followed by 8 or 17 hex digits)")
        }
    }
}
