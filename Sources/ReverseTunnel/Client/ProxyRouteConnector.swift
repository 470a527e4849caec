import Foundation
import JoinCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Transport

/// Opens connections to one route of a Proxy Service's web port, each with both TLS sessions
/// done: the outer one with the proxy's web certificate (through Transport's ``LocalTunnel``,
/// so `ca_path`, `--insecure` and `HTTPS_PROXY` work as they do for joins), and the inner one
/// in which this process presents its cluster certificate and requires the Proxy role of its
/// cluster's host CA (``ClusterPeerCheck/Requirement/proxyServer``).
///
/// The local tunnel lives as long as the connector: closing it closes every connection made
/// through it.
final class ProxyRouteConnector: Sendable {
    let proxy: AuthAddress
    private let tunnel: LocalTunnel
    private let tls: InnerTLS
    private let connectTimeout: Duration

    private init(proxy: AuthAddress, tunnel: LocalTunnel, tls: InnerTLS, connectTimeout: Duration) {
        self.proxy = proxy
        self.tunnel = tunnel
        self.tls = tls
        self.connectTimeout = connectTimeout
    }

    static func start(proxy: AuthAddress, route: String, dialer: ClusterDialer, certificatePEM: String, privateKeyPEM: String,
                      hostCACertificatesPEM: [String], connectTimeout: Duration, clock: any JoinClock = SystemClock(),
                      logger: Logger) async throws -> ProxyRouteConnector {
        let check = try ClusterPeerCheck(trustedCAsPEM: hostCACertificatesPEM, requirement: .proxyServer, clock: clock)
        let tls = try InnerTLS.client(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM, check: check)
        let trust = dialer.proxy ?? ClusterDialer.ProxyTrust()
        let outer = LocalTunnel.OuterTLS(serverName: proxy.host, applicationProtocols: [route], trustRoots: trust.trustRoots,
                                         insecure: trust.insecure, caPathSetting: dialer.settingNames.caPath)
        let via = dialer.environment.proxy(forHost: proxy.host, port: proxy.port, secure: true)
        let tunnel = try await LocalTunnel.start(host: proxy.host, port: proxy.port, via: via, outerTLS: outer,
                                                 connectTimeout: connectTimeout, logger: logger)
        return ProxyRouteConnector(proxy: proxy, tunnel: tunnel, tls: tls, connectTimeout: connectTimeout)
    }

    /// A new connection whose handshakes are done and whose proxy is verified. Whatever the
    /// proxy sends is held (``TLSHandshakeGate``) until ``HeldInput/release(in:)``.
    func connect() async throws -> any Channel {
        let earlierOuterFailure = tunnel.lastFailure?.message
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: Void.self)
        let outcome = PeerOutcome()
        let tls = self.tls
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(tls.clientHandler(outcome: outcome))
                        let gate = TLSHandshakeGate()
                        try pipeline.addHandler(gate)
                        gate.completed.cascade(to: handshake)
                    }
                }
                .connect(host: "127.0.0.1", port: tunnel.port)
                .get()
        } catch {
            handshake.fail(error)
            throw JoinError.unavailable("cannot open the local tunnel to the Proxy Service at \(proxy): \(error)")
        }
        let deadline = loop.scheduleTask(in: TimeAmount(connectTimeout)) {
            handshake.fail(JoinError.unavailable("the Proxy Service at \(self.proxy) did not complete the TLS handshakes in time"))
        }
        do {
            try await handshake.futureResult.get()
            deadline.cancel()
        } catch {
            deadline.cancel()
            channel.close(promise: nil)
            throw failure(error, outcome: outcome, earlierOuterFailure: earlierOuterFailure)
        }
        return channel
    }

    func close() async {
        await tunnel.close()
    }

    /// Why a connection failed, in words: our refusal of the proxy, the outer session's failure
    /// during this attempt (untrusted web certificate, a cluster member's certificate on the web
    /// port, CONNECT refused, nothing listening), or the proxy's refusal of our certificate.
    private func failure(_ error: any Error, outcome: PeerOutcome, earlierOuterFailure: String?) -> JoinError {
        if let refusal = outcome.refusal { return refusal }
        if let joinError = error as? JoinError { return joinError }
        if let outer = tunnel.lastFailure, outer.message != earlierOuterFailure {
            return outer
        }
        // Only an alert is the proxy's refusal; a reset or an end of input is the outer
        // session failing, whose reason the tunnel keeps.
        let tlsError = (error as? TLSHandshakeGate.NotCompleted)?.error
        if let tlsError, TLSFailureText.alert(in: tlsError) != nil {
            return JoinError.accessDenied("the Proxy Service at \(proxy) refused this certificate (\(TLSFailureText.describe(tlsError))); "
                + "is it issued by this cluster, still valid, and of a role the proxy accepts here?")
        }
        return tunnel.lastFailure
            ?? JoinError.unavailable("the connection to the Proxy Service at \(proxy) closed during the TLS handshake")
    }
}
