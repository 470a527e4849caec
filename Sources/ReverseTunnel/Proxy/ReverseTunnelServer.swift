import JoinCore
import Logging
import NIOCore
import NIOSSL

/// The proxy's end of the ``ReverseTunnelProtocols/reverseTunnel`` route: the inner mTLS
/// session in which a node proves it is a Node of this cluster, then the node's first line
/// saying whether the connection is its control connection or answers a dial.
///
/// The proxy presents its own Proxy identity, so the node can tell it from any other member
/// of the cluster; the identity is checked at construction (Proxy role, serverAuth usage,
/// issued by the host CA) so that a misconfigured proxy says so at start instead of every
/// node failing its handshake.
public final class ReverseTunnelServer: Sendable {
    public let registry: TunnelRegistry
    private let tls: InnerTLS
    private let handshakeTimeout: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - identityCertificatePEM, identityPrivateKeyPEM: the proxy's Proxy-role identity.
    ///   - hostCACertificatesPEM: the cluster's host CA certificates, to verify nodes with.
    ///   - handshakeTimeout: how long a connection has for the inner handshake and first line.
    public init(identityCertificatePEM: String, identityPrivateKeyPEM: String, hostCACertificatesPEM: [String],
                registry: TunnelRegistry, handshakeTimeout: Duration = .seconds(10), clock: any JoinClock = SystemClock(),
                logger: Logger) throws {
        try ProxyIdentityCheck.verify(identityCertificatePEM, hostCACertificatesPEM: hostCACertificatesPEM, clock: clock)
        let check = try ClusterPeerCheck(trustedCAsPEM: hostCACertificatesPEM, requirement: .tunnellingHost, clock: clock)
        tls = try InnerTLS.server(certificatePEM: identityCertificatePEM, privateKeyPEM: identityPrivateKeyPEM, check: check)
        self.registry = registry
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
    }

    /// Takes a connection the web port routed here (outer TLS done, ALPN negotiated). Returns
    /// once the handlers are in place; the rest happens as the node speaks.
    public func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let outcome = PeerOutcome()
            try channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(tls.serverHandler(outcome: outcome))
            let reader = FirstLineReader(timeout: handshakeTimeout)
            try pipeline.addHandler(reader)
            reader.line.whenComplete { [self] result in
                opened(channel, result, outcome)
            }
        }
    }

    private func opened(_ channel: any Channel, _ result: Result<String, any Error>, _ outcome: PeerOutcome) {
        let remote = channel.remoteAddress.map { "\($0)" } ?? "unknown"
        guard let peer = outcome.peer else {
            if let refusal = outcome.refusal {
                logger.warning("refused a reverse tunnel connection", metadata: ["remote_addr": "\(remote)", "reason": "\(refusal.message)"])
            } else {
                logger.debug("a reverse tunnel connection ended before its handshake", metadata: ["remote_addr": "\(remote)"])
            }
            channel.close(promise: nil)
            return
        }
        var metadata: Logger.Metadata = ["host_id": "\(peer.name)", "remote_addr": "\(remote)"]
        guard case .success(let line) = result, let message = TunnelMessage(line: line) else {
            if case .failure(let error) = result { metadata["reason"] = "\(error)" }
            logger.warning("a node's reverse tunnel connection did not open with a tunnel message; closing it", metadata: metadata)
            channel.close(promise: nil)
            return
        }
        switch message.type {
        case .control:
            do {
                try becomeControl(channel, hostID: peer.name)
            } catch {
                metadata["error"] = "\(error)"
                logger.warning("could not set up a node's reverse tunnel", metadata: metadata)
                channel.close(promise: nil)
            }
        case .data:
            guard let id = message.dialID, let waiting = registry.claim(dialID: id, hostID: peer.name) else {
                logger.warning("refused a connection answering a dial request this node was not sent (unknown, expired or another node's)",
                               metadata: metadata)
                channel.close(promise: nil)
                return
            }
            waiting.succeed(channel)
        default:
            metadata["type"] = "\(message.type.rawValue)"
            logger.warning("a node's reverse tunnel connection opened with an unexpected message; closing it", metadata: metadata)
            channel.close(promise: nil)
        }
    }

    /// On the channel's loop: lines in, keepalives out, registered, told it is ready.
    private func becomeControl(_ channel: any Channel, hostID: String) throws {
        let pipeline = channel.pipeline.syncOperations
        let settings = registry.settings
        try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder()))
        let registry = self.registry
        try pipeline.addHandler(TunnelKeepAlive(interval: settings.keepAliveInterval, allowedMisses: settings.allowedMissedKeepAlives,
                                                hostID: hostID, logger: logger) {
            registry.unregister(hostID: hostID, channel: channel)
        })
        HeldInput.release(in: channel)
        registry.register(hostID: hostID, channel: channel)
        channel.writeAndFlush(ByteBuffer(string: TunnelMessage.ready(keepAlive: settings.keepAliveInterval).line), promise: nil)
    }
}

/// The check a Proxy Service's own identity must pass before it serves server access: what
/// nodes and `tsh` will require of it (``ClusterPeerCheck/Requirement/proxyServer``).
enum ProxyIdentityCheck {
    static func verify(_ certificatePEM: String, hostCACertificatesPEM: [String], clock: any JoinClock) throws {
        let check = try ClusterPeerCheck(trustedCAsPEM: hostCACertificatesPEM, requirement: .proxyServer, clock: clock)
        let chain = try ClusterPeerCheck.certificates(fromPEM: [certificatePEM])
        do {
            _ = try check.verify(chain)
        } catch let error as JoinError {
            throw JoinError.badParameter("this Proxy Service's identity cannot serve nodes and users: \(error.message)")
        }
    }
}
