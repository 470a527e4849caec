import JoinCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// A listener on 127.0.0.1 that forwards every connection it accepts to one destination,
/// through an HTTP CONNECT proxy and/or inside an outer TLS session with a Joinery Proxy
/// Service when asked.
///
/// It exists because the gRPC transport (`HTTP2ClientTransport.Posix`) can do neither: it
/// cannot speak CONNECT to a proxy, and it cannot put its own TLS (the cluster's mTLS) inside
/// another TLS session. So the transport dials ``port`` in plain TCP, unaware of the route, and
/// the tunnel does the rest per connection: reach the proxy and ask for the destination, wrap
/// the stream in the outer TLS session and check the Proxy Service's certificate and ALPN
/// protocol, then copy bytes both ways (``GlueHandler``) with back-pressure.
///
/// When a connection fails before any byte flows, the client only sees the socket close and
/// gRPC reports a bare "unavailable". The tunnel keeps the real reason in ``lastFailure`` —
/// the proxy's refusal, an untrusted certificate, a missing ALPN protocol — so callers can
/// say what went wrong. Messages never contain proxy credentials.
public final class LocalTunnel: Sendable {
    /// The outer TLS session with a Joinery Proxy Service, inside which the client's own
    /// bytes (often TLS themselves) travel.
    public struct OuterTLS: Sendable {
        /// Certificates to trust for the Proxy Service's certificate; nil = the system trust store
        /// (`SSL_CERT_FILE` when set, else /etc/ssl/certs/ca-certificates.crt on Debian; NIOSSL's default if absent).
        public var trustRoots: [Certificate]?
        /// Skip verification (`--insecure`).
        public var insecure: Bool
        /// The name the certificate must be valid for: a DNS name, or an IP address (then checked against IP SANs).
        public var serverName: String
        /// ALPN protocols to offer; the server must select one of them, else the connection
        /// fails. Empty: offer none and require none.
        public var applicationProtocols: [String]
        /// Names the setting that takes a CA file, in the advice an untrusted certificate gets.
        public var caPathSetting: String

        public init(serverName: String, applicationProtocols: [String], trustRoots: [Certificate]? = nil, insecure: Bool = false,
                    caPathSetting: String = ClusterSettingNames.teleport.caPath) {
            self.serverName = serverName
            self.applicationProtocols = applicationProtocols
            self.trustRoots = trustRoots
            self.insecure = insecure
            self.caPathSetting = caPathSetting
        }
    }

    /// The loopback port to dial (on 127.0.0.1).
    public let port: Int
    private let listener: any Channel
    private let state: TunnelState

    private init(listener: any Channel, port: Int, state: TunnelState) {
        self.listener = listener
        self.port = port
        self.state = state
    }

    /// Why the last tunnelled connection failed before bytes flowed (CONNECT refused, proxy unreachable, outer TLS certificate not trusted / wrong name / ALPN not selected), as a JoinError with a clear message — so callers can report it instead of gRPC's generic "unavailable".
    public var lastFailure: JoinError? { state.lastFailure }

    /// Starts listening on 127.0.0.1 (a free port) for connections to tunnel to `host:port`.
    ///
    /// - Parameters:
    ///   - proxy: the HTTP proxy to ask for `CONNECT host:port`; nil to connect directly.
    ///   - outerTLS: wrap each connection in TLS with a Proxy Service; nil to carry bytes as they are.
    ///   - connectTimeout: how long one connection may take to be ready (TCP, CONNECT, TLS).
    public static func start(
        host: String, port: Int, via proxy: OutboundProxy?, outerTLS: OuterTLS?,
        connectTimeout: Duration = .seconds(10), logger: Logger
    ) async throws -> LocalTunnel {
        let route = try TunnelRoute(host: host, port: port, proxy: proxy, outerTLS: outerTLS, connectTimeout: connectTimeout)
        let state = TunnelState(route: route, logger: logger)
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.autoRead, value: false)
                .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { accepted in
                    state.accept(accepted)
                    return accepted.eventLoop.makeSucceededVoidFuture()
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
        } catch {
            throw JoinError.unavailable("cannot listen on 127.0.0.1 for the tunnel to \(route.destination): \(error)")
        }
        guard let boundPort = listener.localAddress?.port else {
            try? await listener.close()
            throw JoinError.internalError("the tunnel listener has no local port")
        }
        logger.debug("local tunnel listening", metadata: [
            "port": "\(boundPort)", "destination": "\(route.destination)",
            "proxy": "\(proxy?.description ?? "none")", "outer-tls": "\(outerTLS.map { $0.serverName } ?? "none")",
        ])
        return LocalTunnel(listener: listener, port: boundPort, state: state)
    }

    /// Stops listening and closes every tunnelled connection still open.
    public func close() async {
        try? await listener.close()
        for connection in state.closeAll() {
            try? await connection.close()
        }
    }

    /// Starts a tunnel, runs body with it, always closes it.
    public static func with<T: Sendable>(
        host: String, port: Int, via proxy: OutboundProxy?, outerTLS: OuterTLS?, logger: Logger,
        _ body: (LocalTunnel) async throws -> T
    ) async throws -> T {
        let tunnel = try await start(host: host, port: port, via: proxy, outerTLS: outerTLS, logger: logger)
        do {
            let result = try await body(tunnel)
            await tunnel.close()
            return result
        } catch {
            await tunnel.close()
            throw error
        }
    }
}

/// What the listener's accept callback shares with ``LocalTunnel``: the route, the last
/// failure and the connections to close when the tunnel closes.
private final class TunnelState: Sendable {
    private struct Connections {
        var open: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    let route: TunnelRoute
    let logger: Logger
    private let failure = Mutex<JoinError?>(nil)
    private let connections = Mutex(Connections())

    init(route: TunnelRoute, logger: Logger) {
        self.route = route
        self.logger = logger
    }

    var lastFailure: JoinError? { failure.withLock { $0 } }

    /// Called on the accepted connection's loop before it is active: dial the destination,
    /// then glue, or close with the reason recorded.
    func accept(_ accepted: any Channel) {
        let key = ObjectIdentifier(accepted)
        let admitted = connections.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.open[key] = accepted
            return true
        }
        guard admitted else {
            accepted.close(promise: nil)
            return
        }
        let upstream = route.open(on: accepted.eventLoop)
        accepted.closeFuture.whenComplete { _ in
            self.connections.withLock { _ = $0.open.removeValue(forKey: key) }
            upstream.whenSuccess { $0.close(promise: nil) }
        }
        upstream.whenComplete { result in
            switch result {
            case .success(let channel):
                do {
                    try TunnelRoute.glue(accepted, to: channel)
                } catch {
                    // The client left while the route was being set up: nothing to report.
                    channel.close(promise: nil)
                    accepted.close(promise: nil)
                }
            case .failure(let error):
                self.record(error)
                accepted.close(promise: nil)
            }
        }
    }

    /// Marks the tunnel closed and hands back the connections still open.
    func closeAll() -> [any Channel] {
        connections.withLock { state in
            state.closed = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
    }

    private func record(_ error: any Error) {
        let failure = (error as? JoinError)
            ?? JoinError.unavailable("the tunnel to \(route.destination) failed: \(error)")
        self.failure.withLock { $0 = failure }
        logger.debug("tunnelled connection failed", metadata: [
            "destination": "\(route.destination)", "proxy": "\(route.proxy?.description ?? "none")",
            "error": "\(failure.message)",
        ])
    }
}
