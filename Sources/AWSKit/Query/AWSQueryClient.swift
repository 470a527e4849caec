import AsyncHTTPClient
import CoreMetrics
import Foundation
import JoinCore
import NIOCore
import NIOHTTP1
import OutboundHTTP

/// The AWS query protocol, as EC2, STS and IAM speak it: a SigV4-signed form POST of
/// `Action=…&Version=…&…`, answered with XML.
///
/// It owns no connections: the `HTTPClient` is the caller's, shared, and shut down by the
/// caller. Every call is bounded in time and in response size, and an AWS error document
/// becomes an ``AWSServiceError`` carrying the AWS code and HTTP status. Every request sent
/// and every throttling answer is counted (``AWSAPIMetrics``).
public struct AWSQueryClient: Sendable {
    public let httpClient: HTTPClient
    public let service: AWSService
    public let endpoint: URL
    public let region: String
    public let credentials: any AWSCredentialProvider
    public let options: AWSRequestOptions
    public let signer: SigV4Signer
    /// HTTPS_PROXY / HTTP_PROXY / NO_PROXY for this endpoint, or the malformed variable's
    /// error, which every ``call(action:version:parameters:)`` throws.
    let proxySettings: Result<ProxyEnvironment, JoinError>

    /// - Parameters:
    ///   - httpClient: for requests that go direct; proxied ones use ``ProxiedHTTPClients/shared``.
    ///   - proxyEnvironment: the proxy settings; nil for those of this process's environment.
    public init(httpClient: HTTPClient, service: AWSService, endpoint: URL, region: String,
                credentials: any AWSCredentialProvider, options: AWSRequestOptions = .init(), signer: SigV4Signer = .init(),
                proxyEnvironment: ProxyEnvironment? = nil) {
        self.init(httpClient: httpClient, service: service, endpoint: endpoint, region: region, credentials: credentials,
                  options: options, signer: signer,
                  proxySettings: proxyEnvironment.map { .success($0) } ?? ProxiedHTTPClients.processEnvironment)
    }

    init(httpClient: HTTPClient, service: AWSService, endpoint: URL, region: String, credentials: any AWSCredentialProvider,
         options: AWSRequestOptions = .init(), signer: SigV4Signer = .init(), proxySettings: Result<ProxyEnvironment, JoinError>) {
        self.httpClient = httpClient
        self.service = service
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.options = options
        self.signer = signer
        self.proxySettings = proxySettings
    }

    /// Calls `action` and returns the root element of a successful response.
    ///
    /// - Throws: ``AWSServiceError`` for an AWS error document; `JoinError.unavailable` when the
    ///   endpoint cannot be reached, answers too slowly, too much, or with something that is not
    ///   AWS XML; `JoinError.notFound` when there are no credentials; `JoinError.badParameter`
    ///   when a proxy variable is malformed.
    public func call(action: String, version: String, parameters: [(name: String, value: String)] = []) async throws -> AWSXMLElement {
        let route = try ProxiedHTTPClients.shared.route(to: endpoint, environment: proxySettings.get(), direct: httpClient)
        guard let credentials = try await credentials.credentials() else {
            throw JoinError.notFound("no AWS credentials to call \(service) \(action): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use a profile, or an instance role")
        }
        let form = ([("Action", action), ("Version", version)] + parameters.map { ($0.name, $0.value) })
            .map { "\(SigV4URIEncoding.encode($0.0))=\(SigV4URIEncoding.encode($0.1))" }
            .joined(separator: "&")
        let body = Array(form.utf8)
        var signable = try SignableRequest(method: "POST", url: endpoint,
                                           headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"], body: body)
        let signing = try signer.sign(&signable, credentials: credentials, region: region,
                                      service: service.signingName, date: options.now())

        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        request.headers = signable.headers
        request.headers.replaceOrAdd(name: "Accept", value: "text/xml")
        request.body = .bytes(ByteBuffer(bytes: body))

        let peer = "\(service) at \(endpoint.absoluteString)" + (route.proxy.map { " through the HTTP proxy \($0)" } ?? "")
        let reader = BoundedHTTPExchange(httpClient: route.client, timeout: options.timeout, maximumBytes: options.maximumResponseBytes)
        AWSAPIMetrics.recordCall(service: service, action: action)
        let response = try await reader.send(request, peer: peer)
        let secrets = [credentials.secretAccessKey, credentials.sessionToken, signing.authorization.signature].compactMap { $0 }

        let parsed: AWSXMLElement
        do {
            parsed = try AWSXMLParser.parse(response.body)
        } catch {
            if (200..<300).contains(response.status) {
                throw JoinError.unavailable("\(peer) answered \(action) with XML that does not parse (\(SecretRedaction.clean(error.reason, secrets: secrets))): check that the endpoint is the \(service.displayName) API")
            }
            throw Self.unrecognisedErrorBody(response, peer: peer, action: action, secrets: secrets)
        }
        guard (200..<300).contains(response.status) else {
            guard let serviceError = AWSServiceError.from(parsed, service: service.displayName, action: action, status: response.status) else {
                throw Self.unrecognisedErrorBody(response, peer: peer, action: action, secrets: secrets)
            }
            let error = AWSServiceError(service: serviceError.service, action: action, code: SecretRedaction.clean(serviceError.code, secrets: secrets, limit: 100),
                                        message: SecretRedaction.clean(serviceError.message, secrets: secrets),
                                        status: serviceError.status, requestID: serviceError.requestID)
            if error.isThrottling { AWSAPIMetrics.recordThrottle(service: service, action: action) }
            throw error
        }
        return parsed
    }

    static func unrecognisedErrorBody(_ response: BoundedHTTPExchange.Response, peer: String, action: String, secrets: [String]) -> JoinError {
        let excerpt = SecretRedaction.clean(String(decoding: response.body.prefix(200), as: UTF8.self), secrets: secrets, limit: 200)
        return JoinError.unavailable("\(peer) answered \(action) with HTTP \(response.status) and a body that is not an AWS error document (\"\(excerpt)\"): check the endpoint URL and any proxy in between")
    }
}

/// The AWS API budget as metrics: requests sent and throttling answers, by service and action.
///
/// Recorded through swift-metrics (no-op unless the executable bootstraps a backend). The
/// labels are bounded: `service` is the SigV4 name (`ec2`, `sts`) and `action` one of the
/// API names this code calls, never anything from a request.
public enum AWSAPIMetrics {
    /// Counter, labels `service` and `action`: every request sent, whatever its answer.
    public static let calls = "joinery_aws_api_calls_total"
    /// Counter, labels `service` and `action`: answers asking the caller to slow down
    /// (``AWSServiceError/isThrottling``).
    public static let throttles = "joinery_aws_api_throttles_total"

    static func recordCall(service: AWSService, action: String) {
        Counter(label: calls, dimensions: [("service", service.signingName), ("action", action)]).increment()
    }

    static func recordThrottle(service: AWSService, action: String) {
        Counter(label: throttles, dimensions: [("service", service.signingName), ("action", action)]).increment()
    }
}
