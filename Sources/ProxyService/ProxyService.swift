import Transport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import ListenSockets
import JoineryProto
import Logging
import NIOCore
import NIOSSL
import ReverseTunnel

/// The Proxy Service (spec §9.1, networking guide): the one address of a cluster that
/// joining processes need to reach when the Auth server sits in a private network.
///
/// Four parts run together:
/// - one long-lived mTLS gRPC connection to the Auth server, authenticated as this proxy;
/// - an internal gRPC server on loopback serving ``JoinForwarder`` over that connection;
/// - the TLS web port (``ProxyWebServer``), routing each connection by ALPN to the web API,
///   the internal join server, a byte tunnel to the Auth server, or server access;
/// - server access: nodes' reverse tunnels (``tunnels``) and users' SSH connections to nodes,
///   which the ``NodeResolver`` given at init resolves.
public struct ProxyService: Sendable {
    public let settings: ProxyServiceSettings
    let webAPI: @Sendable (any Channel) throws -> Void
    let nodeResolver: any NodeResolver
    let logger: Logger
    public let origins = ConnectionOrigins()
    /// The nodes whose reverse tunnels end at this proxy.
    public let tunnels: TunnelRegistry

    /// - Parameters:
    ///   - webAPI: adds the HTTP/1 handlers for a connection routed to the web API (the caller
    ///     serves ``ProxyWebAPI``).
    ///   - nodeResolver: finds the node an SSH request names and decides whether the user may
    ///     reach it; the default refuses every request, saying that none is configured.
    public init(settings: ProxyServiceSettings, webAPI: @escaping @Sendable (any Channel) throws -> Void, logger: Logger,
                nodeResolver: any NodeResolver = UnconfiguredNodeResolver()) {
        self.settings = settings
        self.webAPI = webAPI
        self.nodeResolver = nodeResolver
        self.logger = logger
        tunnels = TunnelRegistry(settings: settings.reverseTunnels, logger: logger)
    }

    /// The server-access routes this proxy's identity and CAs allow; a route that cannot run
    /// is logged once here and its connections are closed.
    func serverAccessRoutes() -> (tunnels: ReverseTunnelServer?, ssh: ProxySSHRoute?) {
        let tunnelServer: ReverseTunnelServer?
        do {
            tunnelServer = try ReverseTunnelServer(
                identityCertificatePEM: settings.identityCertificatePEM, identityPrivateKeyPEM: settings.identityPrivateKeyPEM,
                hostCACertificatesPEM: settings.clusterCACertificatesPEM, registry: tunnels,
                handshakeTimeout: settings.handshakeTimeout, logger: logger)
        } catch {
            tunnelServer = nil
            logger.error("the Proxy Service cannot accept reverse tunnels", metadata: ["reason": "\((error as? JoinError)?.message ?? "\(error)")"])
        }
        guard !settings.userCACertificatesPEM.isEmpty else {
            logger.warning("the Proxy Service routes no SSH connections: it was given no user CA certificate to check users with")
            return (tunnelServer, nil)
        }
        do {
            let route = try ProxySSHRoute(
                identityCertificatePEM: settings.identityCertificatePEM, identityPrivateKeyPEM: settings.identityPrivateKeyPEM,
                hostCACertificatesPEM: settings.clusterCACertificatesPEM, userCACertificatesPEM: settings.userCACertificatesPEM,
                registry: tunnels, resolver: nodeResolver,
                settings: ProxySSHRoute.Settings(handshakeTimeout: settings.handshakeTimeout), logger: logger)
            return (tunnelServer, route)
        } catch {
            logger.error("the Proxy Service cannot route SSH connections", metadata: ["reason": "\((error as? JoinError)?.message ?? "\(error)")"])
            return (tunnelServer, nil)
        }
    }

    /// The server's TLS context for the web port, offering ``ProxyRoutes/offered``.
    static func webTLS(_ settings: ProxyServiceSettings) throws -> NIOSSLContext {
        do {
            let chain = try settings.webCertificateChainPEM.flatMap { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) }
            let key = try NIOSSLPrivateKey(bytes: Array(settings.webPrivateKeyPEM.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.applicationProtocols = ProxyRoutes.offered
            configuration.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw JoinError.badParameter("the Proxy Service's web certificate or key cannot be used: \(error)")
        }
    }

    /// Serves until the task is cancelled. `onListening` receives the bound web `host:port`.
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let settings = self.settings
        let logger = self.logger
        let tls = try Self.webTLS(settings)
        let authTransport = try AuthTransports.authenticated(
            settings.authServer, certificatePEM: settings.identityCertificatePEM, keyPEM: settings.identityPrivateKeyPEM,
            trustedCAsPEM: settings.clusterCACertificatesPEM)
        let authClient = GRPCClient(transport: authTransport)

        // Every join through the web port is one new loopback connection to this server, so a
        // storm meets its listen queue as much as the web port's.
        let backlog = ListenBacklog(configured: settings.listenBacklog)
        let internalSocket = try ListeningSocket.open(
            host: "127.0.0.1", port: 0, backlog: backlog, setting: "the Proxy Service's internal join server",
            holder: "another process")
        var internalConfig = HTTP2ServerTransport.Posix.Config.defaults
        internalConfig.rpc.maxRequestPayloadSize = settings.maximumMessageBytes
        let internalTransport = HTTP2ServerTransport.Posix(
            listeningSocketDescriptor: Int(internalSocket.descriptor), transportSecurity: .plaintext, config: internalConfig)
        let forwarder = JoinForwarder(
            auth: Joinery_V1_JoinService.Client(wrapping: authClient), origins: origins,
            joinTimeout: settings.joinTimeout, logger: logger)
        let joinServer = GRPCServer(transport: internalTransport, services: [forwarder])
        let origins = self.origins
        let webAPI = self.webAPI
        let access = serverAccessRoutes()
        let tunnels = self.tunnels
        var reverseTunnel: ProxyWebServer.RouteAcceptor?
        if let server = access.tunnels {
            reverseTunnel = { channel in server.accept(channel) }
        }
        var proxySSH: ProxyWebServer.RouteAcceptor?
        if let route = access.ssh {
            proxySSH = { channel in route.accept(channel) }
        }
        let routes = (reverseTunnel: reverseTunnel, proxySSH: proxySSH)

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await authClient.runConnections() }
            group.addTask { try await joinServer.serve() }
            if let ssh = access.ssh {
                group.addTask { await ssh.run() }
            }
            let internalAddress = try await internalTransport.listeningAddress
            try internalSocket.setBacklog()
            guard let internalPort = internalAddress.ipv4?.port else {
                throw JoinError.unavailable("the Proxy Service's internal join server did not listen on loopback")
            }
            let web = ProxyWebServer(
                host: settings.webListenHost, port: settings.webListenPort, tls: tls, joinServicePort: internalPort,
                authServer: settings.authServer, origins: origins, webAPI: webAPI,
                reverseTunnel: routes.reverseTunnel, proxySSH: routes.proxySSH,
                handshakeTimeout: settings.handshakeTimeout, backlog: backlog, logger: logger)
            let channel = try await web.bind()
            let bound = channel.localAddress.map(ProxyWebServer.describe) ?? "\(settings.webListenHost):\(settings.webListenPort)"
            logger.info("Proxy Service is listening", metadata: [
                "web_addr": "\(bound)", "auth_server": "\(settings.authServer)", "backlog": "\(backlog.effective)",
            ])
            if backlog.cappedByKernel {
                logger.warning("proxy_service.listen_backlog is above the kernel's net.core.somaxconn; the kernel keeps \(backlog.kernelMaximum)",
                               metadata: ["requested": "\(backlog.requested)"])
            }
            onListening(bound)
            try await withTaskCancellationHandler {
                try await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
                joinServer.beginGracefulShutdown()
                authClient.beginGracefulShutdown()
            }
            joinServer.beginGracefulShutdown()
            authClient.beginGracefulShutdown()
            access.ssh?.stop()
            tunnels.closeAll()
        }
    }
}
