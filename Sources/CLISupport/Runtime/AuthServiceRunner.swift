import CLIKit
import Foundation
import JoinCore
import Logging
import Server
import Transport

/// Runs the Auth service described by a teleport.yaml: opens the backend (SQLite in
/// `data_dir`, or the PostgreSQL database `teleport.storage` names), makes
/// the enabled join methods, and serves. When `ssh_service` is enabled in the same process,
/// the Auth host also lists itself as a node, as Teleport's first node does.
///
/// It reports to `readiness`: ready once the Auth server listens, and only while the backend
/// answers.
public struct AuthServiceRunner: Sendable {
    let config: FileConfig
    let logger: Logger
    let readiness: ServiceReadiness?

    public init(config: FileConfig, logger: Logger, readiness: ServiceReadiness? = nil) {
        self.config = config
        self.logger = logger
        self.readiness = readiness
    }

    public func run() async throws {
        let dataDirectory = URL(fileURLWithPath: config.teleport.dataDir)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let clock = SystemClock()
        let backend = try await openBackend(dataDirectory: dataDirectory, clock: clock)
        readiness?.add(BackendReachability(backend: backend))
        do {
            try await serve(backend: backend, dataDirectory: dataDirectory, clock: clock)
        } catch {
            try? await backend.close()
            throw error
        }
        try await backend.close()
    }

    private func serve(backend: any Backend, dataDirectory: URL, clock: any JoinClock) async throws {
        let context = PluginContext(clock: clock, logger: logger, authService: config.authServiceRaw, dataDirectory: dataDirectory)
        let methods: JoinMethodSet
        do {
            let registry = try await JoinMethodCatalog.serverRegistry(
                config.authService.joinPlugins, dataDirectory: dataDirectory.appendingPathComponent("plugins"), logger: logger)
            methods = try registry.makeMethods(enabled: config.authService.joinMethods, context: context)
        } catch let error as JoinError {
            throw JoinError(error.kind, "\(config.fileName): \(error.message)")
        }
        let listen = try AuthAddress(parsing: config.authService.listenAddr)
        let nodeName = config.teleport.nodeName ?? HostName.current
        var settings = AuthServerSettings(
            clusterName: config.authService.clusterName ?? nodeName,
            listenHost: listen.host, listenPort: listen.port,
            advertiseAddress: advertiseAddress(listen: listen),
            dataDirectory: dataDirectory,
            rateLimits: .init(averagePerSecond: config.authService.joinRateLimit.average,
                              burst: Double(config.authService.joinRateLimit.burst),
                              maximumConcurrent: config.authService.joinRateLimit.maxConcurrent),
            version: JoineryVersion.current)
        settings.listenBacklog = config.authService.listenBacklog
        settings.secondFactor = config.authService.secondFactor
        let server = try await AuthServer(settings: settings, backend: backend, methods: methods, clock: clock, logger: logger)
        logger.info("join methods enabled", metadata: ["methods": "\(methods.names.joined(separator: ","))"])
        let readiness = self.readiness
        let runsProxy = config.proxyService.isConfigured && config.proxyService.enabled
        let (listening, announce) = AsyncStream<String>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { announce.finish() }
                try await server.run(onListening: { address in
                    announce.yield(address)
                    // With a proxy beside it, the process is ready once the proxy listens too.
                    if !runsProxy { readiness?.markReady() }
                })
            }
            if runsProxy {
                group.addTask {
                    var bound = listening.makeAsyncIterator()
                    guard let address = await bound.next() else { return }
                    try await ProxyServiceRunner(config: config, logger: logger, readiness: readiness)
                        .runBeside(server, authAddress: try AuthAddress(parsing: address))
                }
            }
            if config.sshService.enabled && config.sshService.isConfigured {
                group.addTask { try await heartbeatLocalNode(server: server, dataDirectory: dataDirectory, nodeName: nodeName) }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The backend `teleport.storage` asks for: the SQLite file (default) or the shared
    /// PostgreSQL database, waited for a bounded time when it is not up yet.
    private func openBackend(dataDirectory: URL, clock: any JoinClock) async throws -> any Backend {
        let storage = config.teleport.storage
        if storage.type == .postgresql {
            guard let connection = storage.connString else {
                throw JoinError.badParameter("\(config.fileName): teleport.storage.conn_string is required for type: postgresql")
            }
            logger.info("opening the PostgreSQL backend", metadata: ["conn_string": "\(connection)"])
            return try await PostgreSQLBackend(connection: connection, clock: clock, logger: logger)
        }
        let path = storage.path.map { URL(fileURLWithPath: $0) }
            ?? dataDirectory.appendingPathComponent("backend").appendingPathComponent("joinery.sqlite")
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return try SQLiteBackend(path: path, clock: clock)
    }

    /// What `tctl tokens add` tells nodes to dial: the first `public_addr`, else the listen
    /// address with an unspecified host replaced by this machine's address.
    private func advertiseAddress(listen: AuthAddress) -> String {
        if let first = config.authService.publicAddr.first {
            return (try? AuthAddress(parsing: first).description) ?? first
        }
        if listen.host == "0.0.0.0" || listen.host == "::" {
            return AuthAddress(host: HostName.primaryAddress ?? "127.0.0.1", port: listen.port).description
        }
        return listen.description
    }

    /// The Auth host's own SSH service: listed in `tctl nodes ls` under a host ID kept in
    /// `data_dir/host_uuid`.
    private func heartbeatLocalNode(server: AuthServer, dataDirectory: URL, nodeName: String) async throws {
        let hostID = try PersistedHostID.load(named: "host_uuid", in: dataDirectory)
        while !Task.isCancelled {
            do {
                _ = try await server.nodes.heartbeat(
                    hostID: hostID, hostname: nodeName, address: config.sshService.publicAddr.first ?? "",
                    version: JoineryVersion.current, labels: config.sshService.labels, roles: ["Node"])
            } catch {
                logger.warning("local node heartbeat failed", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: .seconds(60))
        }
    }
}
