import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore
import NIOHTTP1
import OutboundHTTP

/// A client of the EC2 instance metadata service, version 2 only: a session token is fetched
/// with `PUT /latest/api/token` and sent with every GET.
///
/// Timeouts are short (the service is one hop away, or absent when not on EC2), every answer is
/// bounded, and the address can be moved with `AWS_EC2_METADATA_SERVICE_ENDPOINT` (for IPv6
/// `http://[fd00:ec2::254]`, or a test server). The session token is cached until shortly
/// before its TTL ends and fetched again once if the service rejects it.
public actor IMDSClient {
    public static let defaultEndpoint = URL(string: "http://169.254.169.254")!
    public static let tokenPath = "/latest/api/token"
    public static let tokenTTLHeader = "X-aws-ec2-metadata-token-ttl-seconds"
    public static let tokenHeader = "X-aws-ec2-metadata-token"
    public static let tokenTTLSeconds = 21_600
    public static let rsa2048DocumentPath = "/latest/dynamic/instance-identity/rsa2048"
    public static let identityDocumentPath = "/latest/dynamic/instance-identity/document"

    public nonisolated let endpoint: URL
    public nonisolated let timeout: TimeAmount
    public nonisolated let maximumResponseBytes: Int
    private let httpClient: HTTPClient
    private var cachedToken: (value: String, renewAfter: NIODeadline)?

    public init(httpClient: HTTPClient, endpoint: URL = IMDSClient.defaultEndpoint,
                timeout: TimeAmount = .seconds(2), maximumResponseBytes: Int = 64 * 1024) {
        self.httpClient = httpClient
        self.endpoint = endpoint
        self.timeout = timeout
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// A client at `AWS_EC2_METADATA_SERVICE_ENDPOINT` from `environment`, or the default address.
    public init(httpClient: HTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment,
                timeout: TimeAmount = .seconds(2), maximumResponseBytes: Int = 64 * 1024) throws {
        var endpoint = Self.defaultEndpoint
        if let configured = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]?.trimmingCharacters(in: .whitespaces), !configured.isEmpty {
            guard let url = URL(string: configured), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
                throw JoinError.badParameter("AWS_EC2_METADATA_SERVICE_ENDPOINT=\(configured) is not an http URL with a host, e.g. http://169.254.169.254")
            }
            endpoint = url
        }
        self.init(httpClient: httpClient, endpoint: endpoint, timeout: timeout, maximumResponseBytes: maximumResponseBytes)
    }

    /// The text at `path` (e.g. `/latest/meta-data/instance-id`).
    ///
    /// - Throws: `JoinError.notFound` when the service has nothing there (a 404),
    ///   `JoinError.unavailable` when it cannot be reached or refuses the request.
    public func get(path: String) async throws -> String {
        guard path.hasPrefix("/"), !path.contains(".."), !path.contains("?"), !path.contains("#") else {
            throw JoinError.badParameter("instance metadata path \(path) must start with / and contain no .., ? or #")
        }
        let token = try await sessionToken()
        var response = try await send(.GET, path: path, headers: [Self.tokenHeader: token])
        if response.status == 401 {
            cachedToken = nil
            response = try await send(.GET, path: path, headers: [Self.tokenHeader: try await sessionToken()])
        }
        switch response.status {
        case 200:
            return String(decoding: response.body, as: UTF8.self)
        case 404:
            throw JoinError.notFound("the EC2 instance metadata service at \(endpointText) has nothing at \(path)")
        default:
            throw JoinError.unavailable("the EC2 instance metadata service at \(endpointText) answered GET \(path) with HTTP \(response.status)")
        }
    }

    /// The instance identity document signed with AWS's per-region RSA-2048 key: base64 PKCS#7, no PEM armour.
    public func instanceIdentityDocumentRSA2048() async throws -> String {
        try await get(path: Self.rsa2048DocumentPath).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The unsigned instance identity document (JSON). For display only: facts used for trust
    /// must come from the signed form.
    public func instanceIdentityDocument() async throws -> String {
        try await get(path: Self.identityDocumentPath)
    }

    private var endpointText: String {
        endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
    }

    private func sessionToken() async throws -> String {
        if let cachedToken, NIODeadline.now() < cachedToken.renewAfter { return cachedToken.value }
        let response = try await send(.PUT, path: Self.tokenPath, headers: [Self.tokenTTLHeader: String(Self.tokenTTLSeconds)])
        guard response.status == 200 else {
            throw JoinError.unavailable("the EC2 instance metadata service at \(endpointText) refused an IMDSv2 session token (HTTP \(response.status)): check that the instance allows IMDSv2 and that its hop limit reaches this process (2 inside containers)")
        }
        let token = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw JoinError.unavailable("the EC2 instance metadata service at \(endpointText) returned an empty IMDSv2 session token")
        }
        cachedToken = (token, NIODeadline.now() + .seconds(Int64(Self.tokenTTLSeconds - 60)))
        return token
    }

    private func send(_ method: HTTPMethod, path: String, headers: HTTPHeaders) async throws -> BoundedHTTPExchange.Response {
        var request = HTTPClientRequest(url: endpointText + path)
        request.method = method
        request.headers = headers
        let reader = BoundedHTTPExchange(httpClient: httpClient, timeout: timeout, maximumBytes: maximumResponseBytes)
        return try await reader.send(
            request, peer: "the EC2 instance metadata service at \(endpointText)",
            unreachableHint: ". Is this an EC2 instance? If it is, check that the instance metadata service is enabled with IMDSv2 and a hop limit that reaches this process; elsewhere, set AWS_EC2_METADATA_SERVICE_ENDPOINT to the service's address")
    }
}
