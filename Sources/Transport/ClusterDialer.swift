import Foundation
import GRPCNIOTransportHTTP2
import JoinCore
import Logging
import X509

/// How this process reaches the cluster (spec §9.5, networking guide): straight to an Auth
/// server, or through a Proxy Service's web port, and in either case through the HTTP CONNECT
/// proxy the environment names (`HTTPS_PROXY`, `NO_PROXY`).
///
/// grpc-swift's transport can neither speak CONNECT nor nest TLS, so whenever either is
/// needed the call goes through a ``LocalTunnel`` on loopback and the transport dials that:
/// - Auth directly, behind an HTTP proxy: a CONNECT tunnel; the usual TLS (pinned,
///   unverified or mTLS) runs inside it, end to end with the Auth server.
/// - Through a Proxy Service, to join: TLS to the proxy, verified against `ca_path` or the
///   system trust store (spec §5: pins do not apply to the proxy), offering gRPC; the join
///   runs inside it, and the proxy forwards it with the client's address.
/// - Through a Proxy Service, authenticated (heartbeats, renewals): TLS to the proxy offering
///   ``ProxyTunnelProtocol/authTunnel``; the proxy relays bytes to the Auth server and the
///   process's own mTLS session runs inside, so the proxy never sees its key or certificate.
public struct ClusterDialer: Sendable {
    /// How the Proxy Service's web certificate is trusted.
    public struct ProxyTrust: Sendable {
        /// `ca_path` / `--ca-path`: the certificates to trust; nil for the system trust store.
        public var trustRoots: [Certificate]?
        /// `--insecure`: do not verify the proxy at all.
        public var insecure: Bool

        public init(trustRoots: [Certificate]? = nil, insecure: Bool = false) {
            self.trustRoots = trustRoots
            self.insecure = insecure
        }
    }

    /// The ALPN protocol names the Proxy Service routes by (`ProxyRoutes` on the server).
    public enum ProxyTunnelProtocol {
        public static let authTunnel = "joinery-auth"
        public static let grpc = ["grpc-exp", "h2"]
    }

    /// Set when the addresses dialled are Proxy Services' web addresses.
    public var proxy: ProxyTrust?
    /// The HTTP CONNECT proxy settings.
    public var environment: ProxyEnvironment
    /// How the program using this dialer names its settings, for advice in messages.
    public var settingNames: ClusterSettingNames = .teleport
    let logger: Logger

    public init(proxy: ProxyTrust? = nil, environment: ProxyEnvironment = .none, logger: Logger = Logger(label: "joinery.dialer")) {
        self.proxy = proxy
        self.environment = environment
        self.logger = logger
    }

    /// Straight to Auth servers with no HTTP proxy: how tests and tctl connect.
    public static let direct = ClusterDialer()

    public var isViaProxy: Bool { proxy != nil }

    /// The log metadata key for an address this dialer dials: `proxy` when it is a Proxy
    /// Service's web address, else `auth_server`, so a log line never calls a proxy the Auth server.
    public var addressLogKey: String { isViaProxy ? "proxy" : "auth_server" }

    /// Runs `body` with a transport to the join service at `address`. `authTLS` builds the
    /// TLS transport used when `address` is an Auth server, given the address to dial (the
    /// server itself, or a tunnel to it).
    public func withJoinTransport<T: Sendable>(
        _ address: AuthAddress, authTLS: @escaping @Sendable (AuthAddress) throws -> HTTP2ClientTransport.Posix,
        _ body: (HTTP2ClientTransport.Posix) async throws -> T
    ) async throws -> T {
        if let proxy {
            return try await throughTunnel(to: address, outerTLS: outerTLS(proxy, address, ProxyTunnelProtocol.grpc)) { dial in
                try await body(try AuthTransports.plaintext(dial))
            }
        }
        return try await toAuth(address) { dial in try await body(try authTLS(dial)) }
    }

    /// Runs `body` with an mTLS transport to the Auth server at `address` (or behind the Proxy
    /// Service at `address`), authenticated with the process's identity. The server must prove
    /// the Auth role in the handshake; when it does not, the refusal is what `body` throws.
    public func withAuthenticatedTransport<T: Sendable>(
        _ address: AuthAddress, certificatePEM: String, keyPEM: String, trustedCAsPEM: [String],
        _ body: (HTTP2ClientTransport.Posix) async throws -> T
    ) async throws -> T {
        let refusals = AuthServerRefusals()
        let make: @Sendable (AuthAddress) throws -> HTTP2ClientTransport.Posix = { dial in
            try AuthTransports.authenticated(dial, certificatePEM: certificatePEM, keyPEM: keyPEM, trustedCAsPEM: trustedCAsPEM,
                                             refusals: refusals)
        }
        return try await refusals.explaining {
            if let proxy {
                return try await throughTunnel(to: address, outerTLS: outerTLS(proxy, address, [ProxyTunnelProtocol.authTunnel])) { dial in
                    try await body(try make(dial))
                }
            }
            return try await toAuth(address) { dial in try await body(try make(dial)) }
        }
    }

    /// Straight to `address`, or through a CONNECT tunnel when the environment says so.
    private func toAuth<T: Sendable>(_ address: AuthAddress, _ body: (AuthAddress) async throws -> T) async throws -> T {
        guard environment.proxy(forHost: address.host, port: address.port, secure: true) != nil else {
            return try await body(address)
        }
        return try await throughTunnel(to: address, outerTLS: nil, body)
    }

    private func outerTLS(_ trust: ProxyTrust, _ address: AuthAddress, _ protocols: [String]) -> LocalTunnel.OuterTLS {
        LocalTunnel.OuterTLS(serverName: address.host, applicationProtocols: protocols,
                             trustRoots: trust.trustRoots, insecure: trust.insecure, caPathSetting: settingNames.caPath)
    }

    private func throughTunnel<T: Sendable>(to address: AuthAddress, outerTLS: LocalTunnel.OuterTLS?,
                                            _ body: (AuthAddress) async throws -> T) async throws -> T {
        let via = environment.proxy(forHost: address.host, port: address.port, secure: true)
        if let via {
            logger.debug("connecting through an HTTP CONNECT proxy", metadata: ["proxy": "\(via)", "destination": "\(address)"])
        }
        return try await LocalTunnel.with(host: address.host, port: address.port, via: via, outerTLS: outerTLS, logger: logger) { tunnel in
            do {
                return try await body(AuthAddress(host: "127.0.0.1", port: tunnel.port))
            } catch {
                // The tunnel knows why in words (CONNECT refused, untrusted certificate, ...).
                if let failure = tunnel.lastFailure { throw failure }
                throw error
            }
        }
    }
}
