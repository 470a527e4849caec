import Foundation
import JoinCore
import Logging
import NIOCore
import Synchronization

/// A node's end of its reverse tunnel: one control connection to the Proxy Service, kept up for
/// as long as ``run()`` runs, over which the proxy asks the node to connect back once per SSH
/// session. Nodes behind a firewall open no port; every byte flows over connections the node
/// opened itself.
///
/// Each connection is opened the way joins reach the proxy (outer TLS on the web port, here
/// with ALPN ``ReverseTunnelProtocols/reverseTunnel``), and inside it the node presents its
/// host certificate and accepts only a Proxy certificate of its own cluster — a Node of the
/// same cluster answering at the proxy's address is refused before anything is sent.
///
/// A data connection first says which dial it answers, then is handed to the acceptor (the
/// SSH service's `serve(channel:clientAddress:)`), which owns it from then on; it outlives the
/// control connection, so sessions survive a tunnel reconnect.
///
/// The tunnel is considered dead when the proxy's keepalives stop (``ReverseTunnelAgentSettings/allowedMissedKeepAlives``
/// intervals of silence); the agent then reconnects with ``ReconnectBackoff``. It logs what
/// changes once — the tunnel up, the tunnel lost, the first failure — and every further failed
/// attempt only at debug level. Cancelling the task running ``run()`` stops it and closes
/// every connection it opened, sessions included.
public final class ReverseTunnelAgent: Sendable {
    /// Takes a data connection (plaintext session bytes) and the address of the user it is for.
    public typealias Acceptor = @Sendable (any Channel, _ clientAddress: String) -> EventLoopFuture<Void>

    /// What the agent knows about its tunnel now.
    public struct Status: Sendable, Equatable {
        /// Whether the proxy accepted the control connection and it is up.
        public var isConnected = false
        /// How many times a control connection was established.
        public var connectionsMade = 0
        /// Why the last attempt failed or the last tunnel ended.
        public var lastFailure: String?
    }

    public let settings: ReverseTunnelAgentSettings
    private let acceptor: Acceptor
    private let logger: Logger
    private let state = Mutex(Status())
    private let sessions = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init(settings: ReverseTunnelAgentSettings, acceptor: @escaping Acceptor, logger: Logger) {
        self.settings = settings
        self.acceptor = acceptor
        self.logger = logger
    }

    public var status: Status { state.withLock { $0 } }
    public var isConnected: Bool { status.isConnected }

    /// Waits (polling, bounded by `timeout`) until the tunnel is up and at least
    /// `connectionsMade` control connections were established; throws `unavailable` with the
    /// last failure otherwise.
    public func waitUntilConnected(connectionsMade: Int = 1, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = status
            if now.isConnected && now.connectionsMade >= connectionsMade { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw JoinError.unavailable("the reverse tunnel to \(settings.proxyAddress) did not come up in time"
            + (status.lastFailure.map { ": \($0)" } ?? ""))
    }

    /// Keeps the tunnel up until the task is cancelled.
    public func run() async {
        var backoff = settings.backoff
        var connector: ProxyRouteConnector?
        var failuresSinceUp = 0
        var metadata: Logger.Metadata = ["proxy": "\(settings.proxyAddress)"]
        while !Task.isCancelled {
            do {
                if connector == nil {
                    connector = try await ProxyRouteConnector.start(
                        proxy: settings.proxyAddress, route: ReverseTunnelProtocols.reverseTunnel, dialer: settings.dialer,
                        certificatePEM: settings.certificatePEM, privateKeyPEM: settings.privateKeyPEM,
                        hostCACertificatesPEM: settings.hostCACertificatesPEM, connectTimeout: settings.connectTimeout, logger: logger)
                }
                let upFor = try await tunnel(through: connector!) {
                    metadata["after_failures"] = failuresSinceUp > 0 ? "\(failuresSinceUp)" : nil
                    self.logger.info("reverse tunnel to the Proxy Service is up", metadata: metadata)
                    failuresSinceUp = 0
                }
                guard !Task.isCancelled else { break }
                if upFor >= backoff.resetAfter { backoff.reset() }
                logger.warning("reverse tunnel to the Proxy Service was lost; reconnecting",
                               metadata: ["proxy": "\(settings.proxyAddress)", "reason": "\(status.lastFailure ?? "closed")"])
            } catch {
                guard !Task.isCancelled else { break }
                let reason = (error as? JoinError)?.message ?? "\(error)"
                record(failure: reason)
                failuresSinceUp += 1
                let level: Logger.Level = failuresSinceUp == 1 ? .warning : .debug
                logger.log(level: level, "cannot open the reverse tunnel to the Proxy Service; will keep trying",
                           metadata: ["proxy": "\(settings.proxyAddress)", "error": "\(reason)"])
            }
            do {
                try await Task.sleep(for: backoff.next())
            } catch {
                break
            }
        }
        state.withLock { $0.isConnected = false }
        for channel in sessions.withLock({ $0.values }) {
            channel.close(promise: nil)
        }
        await connector?.close()
    }

    /// One control connection, from opening to its end. Throws when it could not be
    /// established; returns how long it was up once it was.
    private func tunnel(through connector: ProxyRouteConnector, onUp: () -> Void) async throws -> Duration {
        let channel = try await connector.connect()
        let control = ControlConnection(channel: channel, readyTimeout: settings.readyTimeout,
                                        allowedMisses: settings.allowedMissedKeepAlives)
        var readyAt: ContinuousClock.Instant?
        let ending: String
        do {
            ending = try await control.run(onReady: {
                readyAt = .now
                state.withLock {
                    $0.isConnected = true
                    $0.connectionsMade += 1
                }
                onUp()
            }, answer: { [self] request in
                await answer(request, through: connector)
            })
        } catch {
            state.withLock { $0.isConnected = false }
            guard readyAt != nil else { throw error }
            ending = (error as? JoinError)?.message ?? "\(error)"
        }
        state.withLock { $0.isConnected = false }
        record(failure: ending)
        return readyAt.map { ContinuousClock.now - $0 } ?? .zero
    }

    /// Opens a data connection for `request` and hands it to the acceptor.
    private func answer(_ request: ControlConnection.DialRequest, through connector: ProxyRouteConnector) async {
        let metadata: Logger.Metadata = ["proxy": "\(settings.proxyAddress)", "client_addr": "\(request.clientAddress)"]
        do {
            let channel = try await connector.connect()
            track(channel)
            try await channel.writeAndFlush(ByteBuffer(string: TunnelMessage.data(dialID: request.id).line))
            let acceptor = self.acceptor
            try await channel.eventLoop.flatSubmit { acceptor(channel, request.clientAddress) }.get()
            try await channel.eventLoop.submit { HeldInput.release(in: channel) }.get()
            logger.debug("connected back to the Proxy Service for a session", metadata: metadata)
        } catch {
            var metadata = metadata
            metadata["error"] = "\((error as? JoinError)?.message ?? "\(error)")"
            logger.warning("could not connect back to the Proxy Service for a session", metadata: metadata)
        }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        sessions.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = sessions.withLock { $0.removeValue(forKey: key) }
        }
    }

    private func record(failure: String) {
        state.withLock { $0.lastFailure = failure }
    }
}
