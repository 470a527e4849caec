import AsyncHTTPClient
import Foundation
import NIOSSL
import JoinCore
import Synchronization

/// The `HTTPClient` each outbound request (AWS, OIDC issuers) goes out on: the caller's own client when the request
/// goes direct, or one that tunnels through the HTTP proxy HTTPS_PROXY / HTTP_PROXY name
/// (``ProxyEnvironment``).
///
/// An `HTTPClient` has one proxy, fixed when it is made, while the choice is per destination
/// (NO_PROXY, http:// or https://). So the decision is made per request URL, and a client per
/// distinct proxy is made on first use and kept — a process sees at most a couple of proxies.
/// The clients made here never follow redirects: an AWS query endpoint or an OIDC issuer has
/// no reason to send one, and the IAM join method must not follow one. Requests that go direct (no proxy set,
/// NO_PROXY, the instance metadata service) keep the caller's client and its configuration.
///
/// AsyncHTTPClient reaches the proxy in plain HTTP and sends `CONNECT host:port` for every
/// destination, http:// ones included; TLS to the destination runs inside the tunnel.
public final class ProxiedHTTPClients: Sendable {
    /// The clients of this process, kept for its lifetime (like `HTTPClient.shared`).
    public static let shared = ProxiedHTTPClients()

    /// HTTPS_PROXY, HTTP_PROXY and NO_PROXY of this process, read once. A malformed value is
    /// kept as its error, and thrown by each request that would need it.
    public static let processEnvironment: Result<ProxyEnvironment, JoinError> = settings(environment: ProcessInfo.processInfo.environment)

    /// Where one request goes: the client to send it on, and the proxy that client tunnels
    /// through (nil when direct), for messages.
    public struct Route: Sendable {
        public let client: HTTPClient
        public let proxy: OutboundProxy?
    }

    private let clients = Mutex<[(proxy: OutboundProxy, client: HTTPClient)]>([])
    /// TLS for the destinations reached through a proxy; nil for AsyncHTTPClient's default.
    private let tlsConfiguration: TLSConfiguration?

    /// - Parameter tlsConfiguration: how the destinations behind a proxy are verified (e.g.
    ///   the trust roots of `SSL_CERT_FILE`); nil for the system's.
    public init(tlsConfiguration: TLSConfiguration? = nil) {
        self.tlsConfiguration = tlsConfiguration
    }

    /// The proxy settings in `environment`, or the error that names the malformed variable.
    public static func settings(environment: [String: String]) -> Result<ProxyEnvironment, JoinError> {
        do {
            return .success(try ProxyEnvironment(environment: environment))
        } catch let error as JoinError {
            return .failure(error)
        } catch {
            return .failure(.badParameter("cannot read HTTPS_PROXY, HTTP_PROXY and NO_PROXY: \(error)"))
        }
    }

    /// The route of a request to `url` under `environment`; `direct` when no proxy applies.
    ///
    /// - Throws: `JoinError.badParameter` when the proxy to use is an `https://` one:
    ///   AsyncHTTPClient speaks to proxies in plain HTTP only, and silently doing so to a proxy
    ///   the operator named with TLS would send the CONNECT and its credentials in the clear.
    public func route(to url: URL, environment: ProxyEnvironment, direct: HTTPClient) throws -> Route {
        guard let host = url.host, !host.isEmpty else { return Route(client: direct, proxy: nil) }
        let secure = url.scheme?.lowercased() == "https"
        guard let proxy = environment.proxy(forHost: host, port: url.port ?? (secure ? 443 : 80), secure: secure) else {
            return Route(client: direct, proxy: nil)
        }
        guard proxy.scheme == .http else {
            throw JoinError.badParameter("the proxy \(proxy) for \(url.scheme ?? "http")://\(host) is named with https://, and Joinery's outbound HTTPS calls reach a proxy in plain HTTP only (TLS to the destination still runs inside the CONNECT tunnel): name it http://\(proxy.host.contains(":") ? "[\(proxy.host)]" : proxy.host):\(proxy.port) in \(secure ? "HTTPS_PROXY" : "HTTP_PROXY"), or list \(host) in NO_PROXY")
        }
        return Route(client: client(for: proxy), proxy: proxy)
    }

    /// Shuts down the proxied clients this instance made (not the callers' direct clients).
    /// For instances a test makes; ``shared`` lives as long as the process.
    public func shutdown() async throws {
        let made = clients.withLock { clients in
            defer { clients.removeAll() }
            return clients.map(\.client)
        }
        for client in made { try await client.shutdown() }
    }

    func client(for proxy: OutboundProxy) -> HTTPClient {
        clients.withLock { clients in
            if let existing = clients.first(where: { $0.proxy == proxy }) { return existing.client }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
            let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
            configuration.tlsConfiguration = tlsConfiguration
            // Each exchange has its own deadline (BoundedHTTPExchange); these bound a stalled
            // connection even for a caller that gave a long one.
            configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(20), read: .seconds(20))
            configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients.append((proxy, client))
            return client
        }
    }
}
