import JoinCore
import NIOCore
import NIOPosix
import NIOSSL

/// How one tunnelled connection reaches its destination: a TCP connection to the destination
/// or to an HTTP proxy (itself over TLS for an `https` proxy) that is asked to `CONNECT`,
/// then optionally the outer TLS session with the Proxy Service. Each step either hands over
/// a channel ready to carry the client's bytes or fails with a ``JoinError`` saying which
/// step failed and why.
///
/// Everything for one connection runs on the event loop of the accepted connection, so the
/// two channels can be glued without hops between threads.
struct TunnelRoute: Sendable {
    /// The Proxy Service's TLS settings, prepared once per tunnel.
    struct OuterSession: Sendable {
        let trust: ProxyServiceTrust
        let context: NIOSSLContext
        let applicationProtocols: [String]
    }

    let host: String
    let port: Int
    let proxy: OutboundProxy?
    let connectTimeout: Duration
    /// For an `https` proxy: TLS verified against the system roots and the proxy's host name.
    private let proxyTLS: NIOSSLContext?
    private let outer: OuterSession?

    init(host: String, port: Int, proxy: OutboundProxy?, outerTLS: LocalTunnel.OuterTLS?, connectTimeout: Duration) throws {
        self.host = host
        self.port = port
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        do {
            if proxy?.scheme == .https {
                proxyTLS = try NIOSSLContext(configuration: .makeClientConfiguration())
            } else {
                proxyTLS = nil
            }
            if let outerTLS {
                let trust = ProxyServiceTrust(settings: outerTLS, destination: HTTPConnectHandshake.authority(host: host, port: port))
                outer = OuterSession(
                    trust: trust,
                    context: try NIOSSLContext(configuration: trust.tlsConfiguration(applicationProtocols: outerTLS.applicationProtocols)),
                    applicationProtocols: outerTLS.applicationProtocols)
            } else {
                outer = nil
            }
        } catch {
            throw JoinError.internalError("cannot prepare TLS for the tunnel to \(HTTPConnectHandshake.authority(host: host, port: port)): \(error)")
        }
    }

    /// `host:port` of the destination.
    var destination: String { HTTPConnectHandshake.authority(host: host, port: port) }

    /// Connects to the destination on `loop`. The returned channel may still hold the
    /// handshake handlers, which keep any early bytes until ``glue(_:to:)`` removes them.
    func open(on loop: any EventLoop) -> EventLoopFuture<any Channel> {
        let deadline = NIODeadline.now() + TimeAmount(connectTimeout)
        let route = self
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try route.addProxyHandlers(to: channel, deadline: deadline)
                }
            }
        let dialled = proxy.map { ($0.host, $0.port) } ?? (host, port)
        return bootstrap.connect(host: dialled.0, port: dialled.1)
            .flatMapErrorThrowing { error in throw route.connectFailure(error) }
            .flatMap { channel in
                route.establish(channel, deadline: deadline).flatMapError { error in
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
    }

    /// Joins the accepted connection to the upstream channel and lets bytes flow. Must be
    /// called on the loop both channels share.
    static func glue(_ accepted: any Channel, to upstream: any Channel) throws {
        let (downstreamHalf, upstreamHalf) = GlueHandler.matchedPair()
        try accepted.pipeline.syncOperations.addHandler(downstreamHalf)
        let upstreamPipeline = upstream.pipeline.syncOperations
        try upstreamPipeline.addHandler(upstreamHalf)
        // Removing the handshake handlers passes on what they held to the glue.
        if let check = try? upstreamPipeline.handler(type: OuterTLSHandshakeCheck.self) {
            upstreamPipeline.removeHandler(check, promise: nil)
        }
        if let handshake = try? upstreamPipeline.handler(type: HTTPConnectHandshake.self) {
            upstreamPipeline.removeHandler(handshake, promise: nil)
        }
        try accepted.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
    }

    // MARK: Steps

    private func addProxyHandlers(to channel: any Channel, deadline: NIODeadline) throws {
        guard let proxy else { return }
        let pipeline = channel.pipeline.syncOperations
        if let proxyTLS {
            let name = ProxyServiceTrust.isIPAddress(proxy.host) ? nil : proxy.host
            try pipeline.addHandler(NIOSSLClientHandler(context: proxyTLS, serverHostname: name))
        }
        try pipeline.addHandler(HTTPConnectHandshake(proxy: proxy, host: host, port: port, deadline: deadline))
    }

    /// After the TCP connection: wait for the proxy's answer, then set up the outer TLS session.
    private func establish(_ channel: any Channel, deadline: NIODeadline) -> EventLoopFuture<any Channel> {
        let connected: EventLoopFuture<Void>
        if proxy != nil {
            do {
                connected = try channel.pipeline.syncOperations.handler(type: HTTPConnectHandshake.self).result
            } catch {
                return channel.eventLoop.makeFailedFuture(JoinError.internalError("the CONNECT handshake handler is missing: \(error)"))
            }
        } else {
            connected = channel.eventLoop.makeSucceededVoidFuture()
        }
        let outer = self.outer
        return connected.flatMap { () -> EventLoopFuture<any Channel> in
            guard let outer else { return channel.eventLoop.makeSucceededFuture(channel) }
            do {
                let pipeline = channel.pipeline.syncOperations
                let outcome = VerificationOutcome()
                let check = OuterTLSHandshakeCheck(
                    trust: outer.trust, applicationProtocols: outer.applicationProtocols, outcome: outcome, deadline: deadline)
                try pipeline.addHandler(outer.trust.makeClientHandler(context: outer.context, outcome: outcome))
                try pipeline.addHandler(check)
                // The proxy's part is over: what it held belongs to the outer TLS session now.
                if let handshake = try? pipeline.handler(type: HTTPConnectHandshake.self) {
                    pipeline.removeHandler(handshake, promise: nil)
                }
                return check.result.map { channel }
            } catch {
                return channel.eventLoop.makeFailedFuture(
                    JoinError.internalError("cannot start TLS with the Proxy Service at \(outer.trust.destination): \(error)"))
            }
        }
    }

    private func connectFailure(_ error: any Error) -> JoinError {
        let reason = ConnectionFailureReason(error)
        if let proxy {
            return JoinError.unavailable("cannot connect to the HTTP proxy \(proxy): \(reason)")
        }
        if outer != nil {
            return JoinError.unavailable("cannot reach the Proxy Service at \(destination) (\(reason))")
        }
        return JoinError.unavailable("cannot connect to \(destination): \(reason)")
    }
}
