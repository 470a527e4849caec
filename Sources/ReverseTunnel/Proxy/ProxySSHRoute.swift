import JoinCore
import Logging
import NIOCore
import NIOPosix
import Transport

/// The proxy's end of the ``ReverseTunnelProtocols/proxySSH`` route: a user proves who they
/// are with a certificate from the cluster's user CA (inner mTLS), names a node in one line
/// (``ProxySSHRequest``), and gets one line back (``ProxySSHAnswer``) before their bytes are
/// spliced to the node's SSH service — through the node's reverse tunnel when it has one,
/// else by TCP to the address it heartbeated.
///
/// Which node a target names, and whether the user may reach it, is the ``NodeResolver``'s
/// business; this type only routes. It never reads the SSH session: the user's SSH client
/// authenticates to the node end to end.
///
/// Sessions are async work (the resolver, the dial), so ``accept(_:)`` only sets up the
/// handshake and hands each request to ``run()``, which serves them in child tasks until it
/// is cancelled. Run it exactly once, for as long as the web port serves.
public final class ProxySSHRoute: Sendable {
    /// Timing of the route.
    public struct Settings: Sendable {
        /// How long a client has for the inner handshake and its request line.
        public var handshakeTimeout: Duration
        /// How long a TCP connection to a node's address may take.
        public var directDialTimeout: Duration

        public init(handshakeTimeout: Duration = .seconds(10), directDialTimeout: Duration = .seconds(10)) {
            self.handshakeTimeout = handshakeTimeout
            self.directDialTimeout = directDialTimeout
        }
    }

    struct Session: Sendable {
        let channel: any Channel
        let user: String
        let line: String
        let clientAddress: String
    }

    public let registry: TunnelRegistry
    let resolver: any NodeResolver
    let settings: Settings
    let logger: Logger
    private let tls: InnerTLS
    private let sessions: AsyncStream<Session>
    private let incoming: AsyncStream<Session>.Continuation

    /// - Parameters:
    ///   - identityCertificatePEM, identityPrivateKeyPEM: the proxy's Proxy-role identity,
    ///     which `tsh` checks against `hostCACertificatesPEM`.
    ///   - userCACertificatesPEM: the cluster's user CA certificates: the only issuers of
    ///     certificates accepted here.
    public init(identityCertificatePEM: String, identityPrivateKeyPEM: String, hostCACertificatesPEM: [String],
                userCACertificatesPEM: [String], registry: TunnelRegistry, resolver: any NodeResolver,
                settings: Settings = Settings(), clock: any JoinClock = SystemClock(), logger: Logger) throws {
        try ProxyIdentityCheck.verify(identityCertificatePEM, hostCACertificatesPEM: hostCACertificatesPEM, clock: clock)
        let check = try ClusterPeerCheck(trustedCAsPEM: userCACertificatesPEM, requirement: .user, clock: clock)
        tls = try InnerTLS.server(certificatePEM: identityCertificatePEM, privateKeyPEM: identityPrivateKeyPEM, check: check)
        self.registry = registry
        self.resolver = resolver
        self.settings = settings
        self.logger = logger
        (sessions, incoming) = AsyncStream.makeStream(of: Session.self)
    }

    /// Takes a connection the web port routed here (outer TLS done, ALPN negotiated).
    public func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let outcome = PeerOutcome()
            try channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(tls.serverHandler(outcome: outcome))
            let reader = FirstLineReader(timeout: settings.handshakeTimeout)
            try pipeline.addHandler(reader)
            reader.line.whenComplete { [self] result in
                requested(channel, result, outcome)
            }
        }
    }

    private func requested(_ channel: any Channel, _ result: Result<String, any Error>, _ outcome: PeerOutcome) {
        let client = channel.remoteAddress.map(ProxySSHRoute.describe) ?? "unknown"
        guard let user = outcome.peer?.name else {
            if let refusal = outcome.refusal {
                logger.warning("refused an SSH connection through the proxy", metadata: ["remote_addr": "\(client)", "reason": "\(refusal.message)"])
            }
            channel.close(promise: nil)
            return
        }
        switch result {
        case .success(let line):
            if case .terminated = incoming.yield(Session(channel: channel, user: user, line: line, clientAddress: client)) {
                channel.close(promise: nil)
            }
        case .failure(let failure as FirstLineReader.Failure):
            if case .tooLong = failure {
                Self.refuse(channel, "the request line is longer than \(ReverseTunnelProtocols.maximumLineBytes) bytes")
            } else {
                channel.close(promise: nil)
            }
            logger.info("an SSH connection through the proxy sent no usable request", metadata: [
                "remote_addr": "\(client)", "user": "\(user)", "reason": "\(failure)",
            ])
        case .failure:
            channel.close(promise: nil)
        }
    }

    /// Serves the requests ``accept(_:)`` received, each in its own child task, until cancelled
    /// or ``stop()``; then every session still open is closed.
    public func run() async {
        defer { incoming.finish() }
        await withDiscardingTaskGroup { group in
            for await session in sessions {
                group.addTask { await self.serve(session) }
            }
            group.cancelAll()
        }
    }

    /// Ends ``run()``: no new sessions, and those still open are closed. Connections accepted
    /// afterwards are closed.
    public func stop() {
        incoming.finish()
    }

    private func serve(_ session: Session) async {
        var metadata: Logger.Metadata = ["user": "\(session.user)", "remote_addr": "\(session.clientAddress)"]
        let upstream: any Channel
        do {
            guard let request = JSONLine.decode(ProxySSHRequest.self, from: session.line), !request.host.isEmpty else {
                throw JoinError.badParameter(#"the request must be one JSON line naming the node, like {"target":"node-1:3022"}"#)
            }
            metadata["target"] = "\(request.target)"
            let node = try await resolver.resolve(target: request.host, user: session.user)
            metadata["host_id"] = "\(node.hostID)"
            upstream = try await connect(to: node, named: request.host, for: session)
        } catch {
            let message = (error as? JoinError)?.message ?? "\(error)"
            metadata["reason"] = "\(message)"
            logger.info("refused an SSH connection through the proxy", metadata: metadata)
            Self.refuse(session.channel, message)
            return
        }
        do {
            try await session.channel.writeAndFlush(ByteBuffer(string: JSONLine.encode(ProxySSHAnswer.accepted)))
            let user = try await ByteStreamChannel.wrap(session.channel)
            let node = try await ByteStreamChannel.wrap(upstream)
            logger.info("SSH session through the proxy started", metadata: metadata)
            try await ByteStreamSplice.run(user, node)
            logger.info("SSH session through the proxy ended", metadata: metadata)
        } catch {
            metadata["error"] = "\(error)"
            logger.info("SSH session through the proxy ended with an error", metadata: metadata)
            session.channel.close(promise: nil)
            upstream.close(promise: nil)
        }
    }

    /// The node's tunnel when it has one, else its heartbeated address; a clear refusal when
    /// neither works.
    private func connect(to node: ResolvedNode, named name: String, for session: Session) async throws -> any Channel {
        var tunnelFailure: String?
        if registry.isConnected(hostID: node.hostID) {
            do {
                return try await registry.dial(hostID: node.hostID, clientAddress: session.clientAddress)
            } catch let error as JoinError {
                tunnelFailure = error.message
            }
        }
        guard let direct = node.directAddress else {
            throw JoinError.unavailable(tunnelFailure.map { "cannot reach node \(name): \($0)" }
                ?? "node \(name) (host \(node.hostID)) has no reverse tunnel to this Proxy Service and no address it can be reached at; check that its SSH service is running and connected")
        }
        do {
            return try await ClientBootstrap(group: session.channel.eventLoop)
                .connectTimeout(TimeAmount(settings.directDialTimeout))
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .connect(host: direct.host, port: direct.port)
                .get()
        } catch {
            let address = direct.host.contains(":") ? "[\(direct.host)]:\(direct.port)" : "\(direct.host):\(direct.port)"
            throw JoinError.unavailable("cannot reach node \(name) at \(address): \(ConnectionFailureReason(error))"
                + (tunnelFailure.map { "; through its reverse tunnel: \($0)" } ?? ""))
        }
    }

    /// Answers `{"error":…}` and closes.
    static func refuse(_ channel: any Channel, _ message: String) {
        channel.writeAndFlush(ByteBuffer(string: JSONLine.encode(ProxySSHAnswer.refused(message)))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// `address:port`, IPv6 in brackets.
    static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "\(address)"
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
