import Foundation
import JoinCore
import Logging
import NIOCore
import Synchronization

/// The nodes whose reverse tunnels end at this Proxy Service, by host ID, and the dial
/// requests waiting for a node to connect back.
///
/// A node is known here only by the host ID the proxy read from the certificate it verified
/// (``ReverseTunnelServer``), never by anything the node says. One tunnel per host: a newer
/// tunnel for the same host replaces the older one, which is closed — a node that reconnects
/// before the proxy noticed its old connection die must not be shadowed by it.
///
/// A dial is a fresh random ID sent over the control connection; it is answered only by a data
/// connection authenticated as the *same* host that presents that ID before the deadline.
/// Anything else (an unknown or expired ID, another host's answer) is refused and closed by
/// the server, and the dial keeps waiting for the right node.
public final class TunnelRegistry: Sendable {
    /// How tunnels are kept alive and how long a dial waits.
    public struct Settings: Sendable {
        /// How often the proxy pings each control connection; the node hears it in `ready`.
        public var keepAliveInterval: Duration
        /// Pings left unanswered before the proxy drops a tunnel as dead.
        public var allowedMissedKeepAlives: Int
        /// How long a dial waits for the node's data connection.
        public var dialTimeout: Duration

        public init(keepAliveInterval: Duration = .seconds(10), allowedMissedKeepAlives: Int = 3, dialTimeout: Duration = .seconds(10)) {
            self.keepAliveInterval = keepAliveInterval
            self.allowedMissedKeepAlives = allowedMissedKeepAlives
            self.dialTimeout = dialTimeout
        }
    }

    private struct Tunnel {
        let channel: any Channel
        let connectedAt: Date
    }

    private struct PendingDial {
        let hostID: String
        let tunnel: ObjectIdentifier
        let promise: EventLoopPromise<any Channel>
    }

    private struct State {
        var tunnels: [String: Tunnel] = [:]
        var pending: [String: PendingDial] = [:]
    }

    public let settings: Settings
    private let state = Mutex(State())
    private let logger: Logger

    public init(settings: Settings = Settings(), logger: Logger = Logger(label: "joinery.reversetunnel")) {
        self.settings = settings
        self.logger = logger
    }

    /// The host IDs with a tunnel now, sorted.
    public var connectedHostIDs: [String] { state.withLock { $0.tunnels.keys.sorted() } }

    public func isConnected(hostID: String) -> Bool { state.withLock { $0.tunnels[hostID] != nil } }

    /// Asks node `hostID` through its tunnel to open a connection back for a session of the
    /// client at `clientAddress`, and returns that connection once the node presented the
    /// request's ID on it.
    ///
    /// The returned channel carries the session's plaintext bytes. What the node sent right
    /// after its answer line is held in the pipeline: add your handlers, then call
    /// ``HeldInput/release(in:)`` on the channel's event loop (``ByteStreamChannel/wrap(_:)``
    /// does both). Throws `notFound` when the node has no tunnel, `unavailable` when it does not
    /// answer within ``Settings/dialTimeout`` or its tunnel closes first.
    public func dial(hostID: String, clientAddress: String) async throws -> any Channel {
        guard let tunnel = state.withLock({ $0.tunnels[hostID]?.channel }) else {
            throw JoinError.notFound("node \(hostID) has no reverse tunnel to this Proxy Service")
        }
        let id = Self.randomID()
        let promise = tunnel.eventLoop.makePromise(of: (any Channel).self)
        state.withLock { $0.pending[id] = PendingDial(hostID: hostID, tunnel: ObjectIdentifier(tunnel), promise: promise) }
        let seconds = settings.dialTimeout.components.seconds
        let timeout = tunnel.eventLoop.scheduleTask(in: TimeAmount(settings.dialTimeout)) { [self] in
            abandon(id, JoinError.unavailable("node \(hostID) did not connect back through its reverse tunnel within \(seconds) s"))
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        tunnel.writeAndFlush(ByteBuffer(string: TunnelMessage.dial(id: id, clientAddress: clientAddress).line))
            .whenFailure { [self] error in
                abandon(id, JoinError.unavailable("the reverse tunnel of node \(hostID) failed: \(error)"))
            }
        logger.debug("asked a node to connect back", metadata: ["host_id": "\(hostID)", "client_addr": "\(clientAddress)"])
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            abandon(id, CancellationError())
        }
    }

    /// Closes every tunnel (the proxy is stopping).
    public func closeAll() {
        let channels = state.withLock { state in
            defer { state.tunnels = [:] }
            return state.tunnels.values.map(\.channel)
        }
        for channel in channels { channel.close(promise: nil) }
    }

    // MARK: For ReverseTunnelServer

    /// Makes `channel` the tunnel of `hostID`, closing the one it replaces.
    func register(hostID: String, channel: any Channel) {
        let replaced = state.withLock { state -> (any Channel)? in
            let old = state.tunnels[hostID]?.channel
            state.tunnels[hostID] = Tunnel(channel: channel, connectedAt: Date())
            return old
        }
        channel.closeFuture.whenComplete { [self] _ in unregister(hostID: hostID, channel: channel) }
        logger.info(replaced == nil ? "node connected its reverse tunnel" : "node reconnected its reverse tunnel; closing the older one",
                    metadata: ["host_id": "\(hostID)", "remote_addr": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
        replaced?.close(promise: nil)
    }

    /// The dial waiting for `dialID` if `hostID` may answer it; nil (and the dial left waiting)
    /// otherwise.
    func claim(dialID: String, hostID: String) -> EventLoopPromise<any Channel>? {
        state.withLock { state in
            guard let pending = state.pending[dialID], pending.hostID == hostID else { return nil }
            state.pending[dialID] = nil
            return pending.promise
        }
    }

    /// Stops routing to `channel` (closed, or given up as dead) and fails the dials waiting on it.
    func unregister(hostID: String, channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let (removed, orphaned) = state.withLock { state -> (Bool, [EventLoopPromise<any Channel>]) in
            var removed = false
            if let current = state.tunnels[hostID], current.channel === channel {
                state.tunnels[hostID] = nil
                removed = true
            }
            let orphaned = state.pending.filter { $0.value.tunnel == key }
            for id in orphaned.keys { state.pending[id] = nil }
            return (removed, orphaned.values.map(\.promise))
        }
        for promise in orphaned {
            promise.fail(JoinError.unavailable("the reverse tunnel of node \(hostID) closed before the node connected back"))
        }
        if removed {
            logger.info("node's reverse tunnel closed", metadata: ["host_id": "\(hostID)"])
        }
    }

    private func abandon(_ id: String, _ error: any Error) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.promise.fail(error)
    }

    /// 128 random bits, hex.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}
