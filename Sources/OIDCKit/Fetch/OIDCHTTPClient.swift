import AsyncHTTPClient
import Crypto
import Foundation
import JoinCore
import NIOCore
import NIOHTTP1
import NIOSSL
import OutboundHTTP
import Synchronization

/// How OIDCKit speaks HTTP: the Auth server reading an issuer's discovery document and keys,
/// a joiner asking its CI platform for an ID token. HTTPS only, no redirects, a deadline and a size limit on every answer, through the HTTP proxy the
/// environment names (as AWS calls are), trusting the system's roots or, when `SSL_CERT_FILE`
/// names a PEM bundle, that bundle instead (as OpenSSL and Go read the variable).
public struct OIDCHTTPClient: Sendable {
    /// How long one fetch may take, connection included.
    public static let timeout = TimeAmount.seconds(10)

    let route: @Sendable (URL) throws -> ProxiedHTTPClients.Route
    /// Where the trusted roots come from, for messages.
    let trustSource: String
    let allowsHTTP: Bool
    /// Distinguishes clients that trust different roots or allow plain HTTP, for caches keyed
    /// by issuer: keys fetched under weaker rules never serve a token with stricter ones.
    let trustKey: String

    /// - Parameters:
    ///   - environment: the process's environment (`SSL_CERT_FILE`, `HTTPS_PROXY`, `NO_PROXY`).
    ///   - trustedRootsPEM: certificates that replace the trusted roots (a token's `tls_ca`).
    ///   - allowsHTTP: whether plain `http://` URLs may be used (never by default).
    ///   - trustedRootsName: what ``trustedRootsPEM`` is, for messages (`the token's tls_ca`).
    public init(environment: [String: String], trustedRootsPEM: String? = nil, trustedRootsName: String = "the token's tls_ca",
                allowsHTTP: Bool = false) {
        let trust: Trust
        if let pem = trustedRootsPEM, !pem.isEmpty {
            trust = .pem(pem)
            trustSource = trustedRootsName
        } else if let bundle = environment["SSL_CERT_FILE"], !bundle.isEmpty {
            trust = .file(bundle)
            trustSource = "SSL_CERT_FILE=\(bundle)"
        } else {
            trust = .system
            trustSource = "the system trust store"
        }
        trustKey = trust.key + (allowsHTTP ? " http-allowed" : "")
        let clients = OIDCHTTPClient.clients(trust: trust)
        let proxies = ProxiedHTTPClients.settings(environment: environment)
        route = { url in try clients.proxied.route(to: url, environment: proxies.get(), direct: clients.direct) }
        self.allowsHTTP = allowsHTTP
    }

    /// Checks that `pem` holds at least one certificate, for a token's `tls_ca`.
    public static func checkTrustedRoots(_ pem: String) throws {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), !certificates.isEmpty else {
            throw JoinError.badParameter("not a PEM certificate (expected one or more -----BEGIN CERTIFICATE----- blocks)")
        }
    }

    /// The roots a client trusts.
    enum Trust {
        case system
        case file(String)
        case pem(String)

        var key: String {
            switch self {
            case .system: return "system"
            case .file(let path): return "file:" + path
            case .pem(let pem): return "pem:" + SHA256.hash(data: Data(pem.utf8)).map { String(format: "%02x", $0) }.joined()
            }
        }
    }

    /// GETs `url` and returns the answer, at most `maximumBytes` of it.
    ///
    /// - Throws: `JoinError.unavailable` naming `peer` when it cannot be reached or answers
    ///   badly; `JoinError.badParameter` for a URL that is not HTTPS.
    func get(_ url: URL, peer: String, maximumBytes: Int) async throws -> BoundedHTTPExchange.Response {
        try await send(.GET, url, peer: peer, maximumBytes: maximumBytes)
    }

    /// Sends one request to `url` with `headers` and `body`, and returns the answer, at most
    /// `maximumBytes` of it.
    public func send(_ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     peer: String, maximumBytes: Int) async throws -> BoundedHTTPExchange.Response {
        let scheme = url.scheme?.lowercased()
        guard scheme == "https" || (allowsHTTP && scheme == "http"), url.host?.isEmpty == false else {
            throw JoinError.badParameter("\(peer): \(UntrustedString.quoted(url.absoluteString)) is not an https:// URL; OIDC endpoints are only reached over HTTPS")
        }
        let route = try route(url)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let exchange = BoundedHTTPExchange(httpClient: route.client, timeout: Self.timeout, maximumBytes: maximumBytes)
        let hint = route.proxy.map { " (through the proxy \($0))" } ?? ""
        let certificate = scheme == "https" ? "; its certificate is checked against \(trustSource)" : ""
        return try await exchange.send(request, peer: peer, unreachableHint: hint + certificate)
    }

    /// One direct client and one proxy set per set of trusted roots, for the life of the
    /// process (an `HTTPClient` must be shut down before it is released, and a process uses a few).
    private static let made = Mutex<[String: (direct: HTTPClient, proxied: ProxiedHTTPClients)]>([:])

    static func clients(trust: Trust) -> (direct: HTTPClient, proxied: ProxiedHTTPClients) {
        made.withLock { made in
            let key = trust.key
            if let existing = made[key] { return existing }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch trust {
            case .system: break
            case .file(let path): tls.trustRoots = .file(path)
            case .pem(let pem):
                // Unreadable PEM trusts nothing, so the fetch fails and says whose roots it used.
                tls.trustRoots = .certificates((try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))) ?? [])
            }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
            configuration.timeout = HTTPClient.Configuration.Timeout(connect: timeout, read: timeout)
            let pair = (direct: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration),
                        proxied: ProxiedHTTPClients(tlsConfiguration: tls))
            made[key] = pair
            return pair
        }
    }
}
