import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore
import NIOHTTP1
import OutboundHTTP

/// Sends the node's checked request to STS and reads who signed it (spec §7.3 steps 9–10).
///
/// The destination is `https://<allow-listed Host>/`, or the URL in `AWS_ENDPOINT_URL_STS`
/// (then `AWS_ENDPOINT_URL`) on the Auth server, for VPC endpoints and emulators. Either way the
/// request keeps the `Host` header the node signed, so AWS can verify the signature. The
/// answer is read with a deadline and at most ``maximumResponseBytes``.
struct STSIdentityForwarder: Sendable {
    static let maximumResponseBytes = 64 * 1024
    static let timeout = TimeAmount.seconds(20)
    /// Headers that describe one connection rather than the request; HTTPClient writes its own.
    static let hopByHopHeaders: Set<String> = [
        "content-length", "connection", "keep-alive", "proxy-connection", "te", "upgrade", "expect", "transfer-encoding",
    ]

    let httpClient: HTTPClient
    /// `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, when set (and not ignored).
    let endpointOverride: URL?
    /// HTTPS_PROXY / HTTP_PROXY / NO_PROXY of the Auth server; a malformed variable is thrown
    /// by each forwarded request (so it fails the joins, not the server's start).
    let proxySettings: Result<ProxyEnvironment, JoinError>

    init(httpClient: HTTPClient, environment: [String: String]) throws {
        self.httpClient = httpClient
        endpointOverride = try Self.configuredEndpoint(environment)
        proxySettings = ProxiedHTTPClients.settings(environment: environment)
    }

    static func configuredEndpoint(_ environment: [String: String]) throws -> URL? {
        guard environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" else { return nil }
        let configured = ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"].contains {
            !(environment[$0]?.trimmingCharacters(in: .whitespaces).isEmpty ?? true)
        }
        guard configured else { return nil }
        return try AWSEndpointResolver(environment: environment).endpoint(for: .sts, region: "us-east-1")
    }

    /// The URL the request for `host` goes to: never anything the node chose beyond picking
    /// `host` from the allow-list.
    func destination(forAllowListedHost host: String) -> URL {
        if let endpointOverride {
            return endpointOverride.path.isEmpty ? endpointOverride.appendingPathComponent("") : endpointOverride
        }
        return URL(string: "https://\(host)/")!
    }

    func callerIdentity(_ request: SignedHTTPRequest, host: String, secrets: [String]) async throws -> STSCallerIdentityAnswer {
        let url = destination(forAllowListedHost: host)
        var outgoing = HTTPClientRequest(url: url.absoluteString)
        outgoing.method = .POST
        for (name, value) in request.headers where !Self.hopByHopHeaders.contains(name.lowercased()) {
            outgoing.headers.add(name: name, value: value)
        }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let route = try ProxiedHTTPClients.shared.route(to: url, environment: proxySettings.get(), direct: httpClient)
        let exchange = BoundedHTTPExchange(httpClient: route.client, timeout: Self.timeout, maximumBytes: Self.maximumResponseBytes)
        let through = route.proxy.map { " through the HTTP proxy \($0)" } ?? ""
        let response = try await exchange.send(outgoing, peer: "AWS STS at \(url.absoluteString) (Host \(host))\(through)")
        guard response.status == 200 else {
            throw IAMErrors.stsStatus(Self.statusLine(response.status), body: Self.describe(response.body, status: response.status, secrets: secrets))
        }
        return try STSCallerIdentityAnswer.parse(response.body)
    }

    /// `403 Forbidden`, as Go's `resp.Status` prints it.
    static func statusLine(_ code: Int) -> String {
        let phrase = HTTPResponseStatus(statusCode: code).reasonPhrase
        return phrase.isEmpty ? String(code) : "\(code) \(phrase)"
    }

    /// The error body, short: `Code: Message` of an AWS error document (XML or JSON), otherwise
    /// the start of the text; secrets and quoted canonical requests removed.
    static func describe(_ body: [UInt8], status: Int, secrets: [String]) -> String {
        if let error = AWSServiceError.parse(body, service: "STS", action: "GetCallerIdentity", status: status, secrets: secrets) {
            let text = error.message.isEmpty ? error.code : "\(error.code): \(error.message)"
            return AWSResponseText.clean(text, secrets: secrets, limit: 300).replacingOccurrences(of: "\"", with: "'")
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let error = (object["Error"] as? [String: Any]) ?? ((object["ErrorResponse"] as? [String: Any])?["Error"] as? [String: Any]),
           let code = error["Code"] as? String {
            let text = "\(code): \(error["Message"] as? String ?? "")"
            return AWSResponseText.clean(text, secrets: secrets, limit: 300).replacingOccurrences(of: "\"", with: "'")
        }
        return AWSResponseText.clean(String(decoding: body.prefix(2048), as: UTF8.self), secrets: secrets, limit: 300)
            .replacingOccurrences(of: "\"", with: "'")
    }
}
