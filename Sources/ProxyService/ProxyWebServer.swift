import Transport
import JoinCore
import ListenSockets
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import ReverseTunnel

/// The Proxy Service's web port: terminates TLS with the web certificate, then sends each
/// connection where its ALPN protocol says (``ProxyRoutes``): to the HTTP/1 web API handlers,
/// to the internal join server, through to the Auth server, or to the server-access routes
/// (reverse tunnels, SSH), which run their own inner mTLS.
struct ProxyWebServer: Sendable {
    /// Adds the HTTP/1 handlers to a connection routed to the web API.
    typealias WebAPIPipeline = @Sendable (any Channel) throws -> Void
    /// Takes a connection routed to a server-access route; nil closes it (route not available).
    typealias RouteAcceptor = @Sendable (any Channel) -> EventLoopFuture<Void>

    let host: String
    let port: Int
    let tls: NIOSSLContext
    /// The proxy's internal gRPC server on loopback.
    let joinServicePort: Int
    let authServer: AuthAddress
    let origins: ConnectionOrigins
    let webAPI: WebAPIPipeline
    let reverseTunnel: RouteAcceptor?
    let proxySSH: RouteAcceptor?
    let handshakeTimeout: Duration
    let backlog: ListenBacklog
    let logger: Logger

    /// Binds and returns the listening channel; serving goes on until it is closed.
    func bind() async throws -> any Channel {
        let server = self
        do {
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: Int32(clamping: backlog.requested))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try server.configure(channel)
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw JoinError.unavailable("the Proxy Service could not listen on \(host):\(port): \(error)")
        }
    }

    private func configure(_ channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
        // A client that never finishes its handshake is cut off. Once routed, each route has
        // its own limits (the web API's idle timeout; tunnels live as long as their sessions).
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(handshakeTimeout / .milliseconds(1)))) {
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        let server = self
        try pipeline.addHandler(ApplicationProtocolNegotiationHandler { result, channel in
            deadline.cancel()
            let negotiated: String? = if case .negotiated(let name) = result { name } else { nil }
            switch ProxyRoutes.route(for: negotiated) {
            case .webAPI:
                return channel.eventLoop.makeCompletedFuture { try server.webAPI(channel) }
            case .joinService:
                return server.relay(channel, toHost: "127.0.0.1", port: server.joinServicePort, registering: true)
            case .authTunnel:
                return server.relay(channel, toHost: server.authServer.host, port: server.authServer.port, registering: false)
            case .reverseTunnel:
                return server.reverseTunnel?(channel) ?? Self.unavailable(channel)
            case .proxySSH:
                return server.proxySSH?(channel) ?? Self.unavailable(channel)
            }
        })
    }

    /// Connects to `host:port` and copies bytes both ways between it and `inbound`. For the
    /// join service the relay's local address is recorded with the client's address first.
    private func relay(_ inbound: any Channel, toHost host: String, port: Int, registering: Bool) -> EventLoopFuture<Void> {
        let client = inbound.remoteAddress.map(Self.describe) ?? "unknown"
        let origins = self.origins
        let logger = self.logger
        return ClientBootstrap(group: inbound.eventLoop)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port)
            .flatMap { outbound in
                // Keyed by the relay's full local address (ip and port), never the port alone.
                if registering, let relay = outbound.localAddress,
                   let registration = origins.register(relay: relay, clientAddress: client) {
                    outbound.closeFuture.whenComplete { _ in origins.remove(registration) }
                }
                return ChannelGlue.glue(inbound, outbound)
            }
            .flatMapErrorThrowing { error in
                logger.warning("the Proxy Service could not reach its destination",
                               metadata: ["destination": "\(host):\(port)", "error": "\(error)"])
                inbound.close(promise: nil)
                throw error
            }
    }

    /// A route this proxy cannot serve (its identity or CAs do not allow it; logged at start).
    private static func unavailable(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.close(promise: nil)
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    /// `address:port`, IPv6 in brackets, as audit events show client addresses.
    static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "\(address)"
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
