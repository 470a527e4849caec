import Foundation
import JoinCore
import Logging
import NIOCore
import NIOPosix
import NIOSSH
import Synchronization

/// The SSH server of a node. One instance serves connections from a listening socket and connections handed to it (reverse tunnel).
///
/// Every connection gets the same stack: an unauthenticated-connection deadline, NIOSSH with
/// this node's host key and a ``CertificateAuthenticationDelegate`` (user certificates from
/// the cluster's user CA, then the ``SSHAccessPolicy``), and a ``SessionChannelHandler`` for
/// each `session` channel. Other channel types (port forwarding) are refused. Audit events go
/// to the ``SSHSessionAuditor`` in order, from one task ``stop()`` drains.
public final class SSHServer: Sendable {
    private let settings: SSHServiceSettings
    private let logger: Logger
    private let authenticator: LoginAuthenticator
    private let services: SessionServices
    private let state = Mutex(State())

    private struct State {
        var listeners: [any Channel] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    public init(settings: SSHServiceSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        // Trusted CA keys JoinCore cannot represent (ECDSA P-384/P-521) can sign nothing we accept.
        let trusted = settings.trustedUserCAKeys.compactMap { try? SSHPublicKey(authorizedKey: String(openSSHPublicKey: $0)) }
        let identityRule = SessionIdentityRule.current
        authenticator = LoginAuthenticator(
            certificateChecks: UserCertificateChecks(trustedCAKeys: trusted), identityRule: identityRule,
            policy: settings.policy, now: settings.now)
        services = SessionServices(
            audit: AuditQueue(auditor: settings.auditor), logger: logger, now: settings.now, identityRule: identityRule)
    }

    /// Binds host:port (port 0 = any) and serves until stop(); returns the bound address.
    public func listen(host: String, port: Int) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                serve(channel: channel, clientAddress: nil)
            }
            .bind(host: host, port: port)
            .get()
        let stopped = state.withLock { state in
            if !state.stopped { state.listeners.append(channel) }
            return state.stopped
        }
        if stopped {
            try? await channel.close()
            throw ChannelError.ioOnClosedChannel
        }
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        logger.info("SSH Service listening", metadata: ["address": "\(address)"])
        return address
    }

    /// Serves SSH on an already-connected channel whose pipeline carries plaintext bytes (e.g. after TLS handlers of a reverse tunnel). `clientAddress` overrides the channel's remote address for audit/policy (the proxy tells the node the real client's address).
    public func serve(channel: any Channel, clientAddress: String?) -> EventLoopFuture<Void> {
        let accepted = state.withLock { state in
            if !state.stopped { state.connections[ObjectIdentifier(channel)] = channel }
            return !state.stopped
        }
        guard accepted else {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        let connection = ConnectionContext(
            clientAddress: clientAddress ?? channel.remoteAddress.map(Self.describe) ?? "unknown",
            clientEndpoint: Self.endpoint(clientAddress, fallback: channel.remoteAddress),
            serverEndpoint: Self.endpoint(nil, fallback: channel.localAddress),
            services: services)
        let settings = settings, authenticator = authenticator, services = services
        let add: @Sendable () throws -> Void = {
            var configuration = SSHServerConfiguration(
                hostKeys: [settings.hostKey],
                userAuthDelegate: CertificateAuthenticationDelegate(authenticator: authenticator, connection: connection))
            configuration.maxAuthAttempts = settings.maxAuthAttempts
            let ssh = NIOSSHHandler(
                role: .server(configuration), allocator: channel.allocator,
                inboundChildChannelInitializer: { child, type in
                    Self.initializeChildChannel(child, type: type, connection: connection)
                })
            try channel.pipeline.syncOperations.addHandlers([
                UnauthenticatedConnectionTimeout(deadline: settings.authenticationTimeout, connection: connection),
                ssh,
                ConnectionErrorHandler(logger: services.logger, clientAddress: connection.clientAddress),
            ])
        }
        if channel.eventLoop.inEventLoop {
            return channel.eventLoop.makeCompletedFuture { try add() }
        }
        return channel.eventLoop.submit(add)
    }

    /// Stops listening, closes every connection (their sessions' processes get SIGHUP), and
    /// waits until the auditor has received every event so far.
    public func stop() async {
        let (listeners, connections) = state.withLock { state in
            state.stopped = true
            defer {
                state.listeners = []
                state.connections = [:]
            }
            return (state.listeners, Array(state.connections.values))
        }
        for channel in listeners { try? await channel.close() }
        for channel in connections { try? await channel.close() }
        await services.audit.finish()
    }

    private static func initializeChildChannel(_ child: any Channel, type: SSHChannelType,
                                               connection: ConnectionContext) -> EventLoopFuture<Void> {
        guard case .session = type, let login = connection.authenticatedLogin else {
            return child.eventLoop.makeFailedFuture(SSHChannelRefused())
        }
        return child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
            try child.pipeline.syncOperations.addHandler(
                SessionChannelHandler(connection: connection, login: login, eventLoop: child.eventLoop))
        }
    }

    /// `ip:port`, with brackets for IPv6.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// Host and port for SSH_CLIENT / SSH_CONNECTION, from an `ip:port` override or the socket.
    static func endpoint(_ override: String?, fallback: SocketAddress?) -> (host: String, port: Int)? {
        if let override, let colon = override.lastIndex(of: ":"), let port = Int(override[override.index(after: colon)...]) {
            let host = override[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return (host, port)
        }
        guard let address = fallback, let ip = address.ipAddress, let port = address.port else { return nil }
        return (ip, port)
    }
}

/// Why a channel other than `session` is refused: this SSH Service runs shells and commands
/// only (no port forwarding, no subsystems).
struct SSHChannelRefused: Error {}
