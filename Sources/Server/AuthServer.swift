import Foundation
import ListenSockets
import GRPCCore

import GRPCNIOTransportHTTP2
import JoinCore
import Logging

/// Settings of an Auth server, as read from `auth_service` in teleport.yaml.
public struct AuthServerSettings: Sendable {
    public var clusterName: String
    public var listenHost: String
    public var listenPort: Int
    /// The address nodes are told to use (`tctl tokens add` prints it); defaults to the listen
    /// address, with `0.0.0.0` replaced by this machine's name.
    public var advertiseAddress: String
    public var dataDirectory: URL
    /// `auth_service.join_rate_limit`: attempts per second and concurrent streams per host.
    public var rateLimits: JoinRateLimiter.Limits
    public var version: String
    public var joinTimeoutSeconds: Double
    public var nodeTTL: TimeInterval
    /// The largest gRPC message accepted from a client.
    public var maximumMessageBytes: Int
    /// `auth_service.listen_backlog`; nil asks for the kernel's maximum (``ListenBacklog``).
    public var listenBacklog: Int?
    /// How often the `joinery_connected_nodes` gauge is recounted (see ``InventoryMetrics``).
    public var connectedNodesRefreshInterval: Duration
    /// Lifetime and renewal of tctl's identity in `data_dir/admin/` (see ``AdminIdentityKeeper``).
    public var adminIdentity: AdminIdentityPolicy = .standard
    /// `auth_service.authentication.second_factor`: what users prove besides a password.
    public var secondFactor: SecondFactorMode = .otp

    public init(clusterName: String, listenHost: String = "0.0.0.0", listenPort: Int = 3025, advertiseAddress: String,
                dataDirectory: URL, rateLimits: JoinRateLimiter.Limits = .init(), version: String,
                joinTimeoutSeconds: Double = 60, nodeTTL: TimeInterval = NodeRegistry.defaultTTL,
                maximumMessageBytes: Int = 256 * 1024, connectedNodesRefreshInterval: Duration = .seconds(15)) {
        self.clusterName = clusterName
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.advertiseAddress = advertiseAddress
        self.dataDirectory = dataDirectory
        self.rateLimits = rateLimits
        self.version = version
        self.joinTimeoutSeconds = joinTimeoutSeconds
        self.nodeTTL = nodeTTL
        self.maximumMessageBytes = maximumMessageBytes
        self.connectedNodesRefreshInterval = connectedNodesRefreshInterval
    }
}

/// The Auth service: owns the CAs and tokens, serves joins, admin calls and heartbeats on one
/// TLS port. Assembled from a backend and the enabled join methods; it names no method.
public struct AuthServer: Sendable {
    public let settings: AuthServerSettings
    /// The backend it was given, wrapped in a ``MeasuredBackend`` so every operation is timed.
    public let backend: any Backend
    public let authorities: ClusterAuthorities
    public let tokens: TokenStore
    public let nodes: NodeRegistry
    public let bots: BotStore
    public let botInstances: BotInstanceStore
    public let locks: LockStore
    public let users: UserStore
    public let roles: RoleStore
    /// Sign-ins and invite completions per client address (each costs a scrypt hash).
    let signInLimiter: JoinRateLimiter
    /// Password hashes computed at once (``PasswordWorkGate``).
    let passwordWork = PasswordWorkGate()
    let pipeline: JoinPipeline
    let clock: any JoinClock
    let logger: Logger

    public init(settings: AuthServerSettings, backend: any Backend, methods: JoinMethodSet,
                clock: any JoinClock = SystemClock(), logger: Logger) async throws {
        self.settings = settings
        let backend = MeasuredBackend(backend)
        self.backend = backend
        self.clock = clock
        self.logger = logger
        authorities = try await ClusterAuthorities.loadOrCreate(
            backend: backend, clusterName: settings.clusterName, clock: clock, logger: logger)
        tokens = TokenStore(backend: backend, methods: methods, clock: clock)
        nodes = NodeRegistry(backend: backend, clock: clock, ttl: settings.nodeTTL)
        bots = BotStore(backend: backend)
        botInstances = BotInstanceStore(backend: backend)
        locks = LockStore(backend: backend, clock: clock)
        users = UserStore(backend: backend)
        roles = RoleStore(backend: backend)
        signInLimiter = JoinRateLimiter(limits: UserSignIn.addressLimits, clock: clock, attempts: "sign-in attempts")
        pipeline = JoinPipeline(
            clusterName: settings.clusterName, methods: methods, tokens: tokens, authorities: authorities, nodes: nodes,
            bots: bots, instances: botInstances, locks: locks,
            audit: AuditLog(backend: backend, logger: logger), limiter: JoinRateLimiter(limits: settings.rateLimits, clock: clock),
            concurrency: ConcurrentJoinLimiter(maximumPerHost: settings.rateLimits.maximumConcurrent),
            clock: clock, logger: logger)
    }

    /// Where tctl on this machine reaches the server: the listen address, loopback when the
    /// server listens on every interface.
    var localAddress: String {
        let host = ["0.0.0.0", "::", ""].contains(settings.listenHost) ? "127.0.0.1" : settings.listenHost
        return host.contains(":") ? "[\(host)]:\(settings.listenPort)" : "\(host):\(settings.listenPort)"
    }

    /// The pipeline, for driving joins without a network (tests, benchmarks).
    public var joinPipeline: JoinPipeline { pipeline }

    /// Renewal of token-method bots' certificates.
    var botRenewal: BotRenewal {
        BotRenewal(bots: bots, issuance: pipeline.botIssuance, locks: locks, audit: pipeline.audit, clock: clock)
    }

    /// Serves until the task is cancelled. `onListening` receives the bound `host:port` once
    /// the port is open (useful with port 0).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let serving = try LocalTLSIdentity.authServer(
            hostCA: authorities.host, hostID: UUID().uuidString.lowercased(), now: clock.now)
        let adminGenerations = AdminGenerationStore(backend: backend)
        let adminIdentity = AdminIdentityKeeper(
            authorities: authorities, store: adminGenerations, policy: settings.adminIdentity,
            dataDirectory: settings.dataDirectory, authServerAddress: localAddress, clock: clock, logger: logger)

        let security = AuthServerTLS.security(
            certificatePEM: try serving.certificatePEM(), privateKeyPEM: serving.privateKeyPEM,
            caCertificatePEM: try authorities.host.tlsCertificatePEM)
        let socket = try ListeningSocket.open(
            host: settings.listenHost, port: settings.listenPort, backlog: ListenBacklog(configured: settings.listenBacklog),
            setting: "auth_service.listen_addr", holder: "another Auth server")
        let adminSession: AdminIdentityKeeper.Session
        do {
            adminSession = try await adminIdentity.begin()
        } catch {
            socket.closeUnused()
            throw error
        }
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = settings.maximumMessageBytes
        // Connections are long-lived (a heartbeat stream per node): a peer that vanished
        // without closing is pinged after 5 idle minutes (not the default 2 hours) and dropped
        // 20 s later. (swift-nio-http2 allows 100 concurrent streams per connection.)
        config.connection.keepalive.time = .seconds(300)
        let transport = HTTP2ServerTransport.Posix(
            listeningSocketDescriptor: Int(socket.descriptor), transportSecurity: security, config: config)
        let authentication = CallerAuthentication(
            authorities: authorities, clock: clock, adminGenerations: AdminGenerationCheck(store: adminGenerations))
        let services: [any RegistrableRPCService] = [
            JoinServiceHandler(pipeline: pipeline, authorities: authorities, clusterName: settings.clusterName,
                               version: settings.version, joinTimeoutSeconds: settings.joinTimeoutSeconds),
            AdminServiceHandler(tokens: tokens, nodes: nodes, bots: bots, instances: botInstances, locks: locks,
                                roles: roles, users: users, enrollment: userEnrollment, backend: backend, authorities: authorities,
                                authentication: authentication, clusterName: settings.clusterName,
                                version: settings.version, advertiseAddress: settings.advertiseAddress),
            InventoryServiceHandler(nodes: nodes, authentication: authentication, callerLocks: CallerLocks(locks: locks)),
            BotServiceHandler(renewal: botRenewal, authentication: authentication),
            accessService(authentication: authentication),
        ]
        let server = GRPCServer(transport: transport, services: services)
        let logger = self.logger
        let backend = self.backend
        let nodes = self.nodes
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { try await adminIdentity.keepRenewed(adminSession) }
            group.addTask {
                let address: GRPCNIOTransportHTTP2.SocketAddress
                do {
                    address = try await transport.listeningAddress
                } catch {
                    server.beginGracefulShutdown()
                    throw JoinError.unavailable("the Auth server could not listen on \(settings.listenHost):\(settings.listenPort): \(error)")
                }
                try socket.setBacklog()
                let text = address.ipv4.map { "\($0.host):\($0.port)" } ?? address.ipv6.map { "[\($0.host)]:\($0.port)" } ?? "\(address)"
                logger.info("Auth service is listening", metadata: [
                    "addr": "\(text)", "cluster": "\(settings.clusterName)", "backlog": "\(socket.backlog.effective)",
                ])
                if socket.backlog.cappedByKernel {
                    logger.warning("auth_service.listen_backlog is above the kernel's net.core.somaxconn; the kernel keeps \(socket.backlog.kernelMaximum)",
                                   metadata: ["requested": "\(socket.backlog.requested)"])
                }
                onListening(text)
            }
            group.addTask {
                // Sweep expired tokens and nodes once a minute.
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(60))
                    if let removed = try? await backend.deleteExpired(), removed > 0 {
                        logger.debug("removed expired items", metadata: ["count": "\(removed)"])
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await InventoryMetrics.refreshConnectedNodes(nodes)
                    try await Task.sleep(for: settings.connectedNodesRefreshInterval)
                }
            }
            try await withTaskCancellationHandler {
                try await Task.sleep(for: .seconds(Double(Int32.max)))
            } onCancel: {
                server.beginGracefulShutdown()
            }
        }
    }
}
