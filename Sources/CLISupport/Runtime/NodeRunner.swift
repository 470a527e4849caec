import Agent
import CLIKit
import Foundation
import JoinCore
import Logging
import Transport

/// Runs a joining process described by a teleport.yaml (after command-line overrides): joins
/// with the configured token and method unless `data_dir` already holds an identity, then
/// heartbeats so `tctl nodes ls` lists it. It is ready (for `readiness`) while its last
/// heartbeat was accepted.
public struct NodeRunner: Sendable {
    let config: FileConfig
    let roles: [SystemRole]
    let insecure: Bool
    let logger: Logger
    let readiness: ServiceReadiness?

    /// How often a node heartbeats; `JOINERY_HEARTBEAT_INTERVAL` (seconds) overrides it.
    static var heartbeatInterval: Duration {
        if let text = ProcessInfo.processInfo.environment["JOINERY_HEARTBEAT_INTERVAL"], let seconds = Double(text), seconds > 0 {
            return .seconds(seconds)
        }
        return .seconds(30)
    }

    public init(config: FileConfig, roles: [SystemRole], insecure: Bool, logger: Logger, readiness: ServiceReadiness? = nil) {
        self.config = config
        self.roles = roles
        self.insecure = insecure
        self.logger = logger
        self.readiness = readiness
    }

    public func makeAgent() async throws -> NodeAgent {
        // The methods' join_params sections are checked before anything is dialled.
        let registry = try JoinMethodCatalog.clientRegistry(config.teleport.joinPlugins, logger: logger)
        do {
            try registry.checkJoinParams(config.teleport.joinParams?.pluginParameters ?? [:], at: ["teleport", "join_params"])
        } catch let error as JoinError {
            throw JoinError.badParameter("\(config.fileName): \(error.message)")
        }
        let route = try await ClusterRoute.resolve(
            proxyServer: config.teleport.proxyServer, authServer: config.teleport.authServer ?? config.teleport.authServers.first,
            caPath: config.teleport.caPath, caPathField: "\(config.fileName): teleport.ca_path", insecure: insecure, logger: logger)
        let dataDirectory = URL(fileURLWithPath: config.teleport.dataDir)
        let store = IdentityStore(dataDirectory: dataDirectory)
        // A process that has joined before needs no token: it reuses its identity.
        let hasIdentity = try store.load() != nil
        let token = try config.resolvedJoinToken() ?? ""
        guard hasIdentity || !token.isEmpty else {
            throw JoinError.badParameter(
                "no join token set: pass --token or set teleport.join_params.token_name in \(config.fileName)")
        }
        let nodeName = config.teleport.nodeName ?? HostName.current
        let role: SystemRole = roles.count == 1 ? roles[0] : .instance
        var parameters = JoinParameters(
            authServer: route.address, tokenName: token, method: config.joinMethod, role: role,
            nodeName: nodeName,
            caPins: try AuthServerPins.resolve(configured: config.teleport.caPins, caPath: config.teleport.caPath,
                                               field: "\(config.fileName): teleport.ca_path"),
            insecure: insecure,
            additionalPrincipals: config.sshService.publicAddr.compactMap { try? AuthAddress(parsing: $0).host })
        // Every role this process will run is checked against the token (see RoleAuthorization).
        parameters.systemRoles = roles
        parameters.caPinsOrigin = AuthServerPins.origin(configured: config.teleport.caPins, caPath: config.teleport.caPath)
        // teleport.auth_servers lists other Auth servers of the cluster to fail over to.
        parameters.fallbackAuthServers = try config.teleport.authServers.map { try AuthAddress(parsing: $0) }
        parameters.dialer = route.dialer
        let proverContext = ProverContext(logger: logger, joinParams: .object(config.teleport.joinParams?.pluginParameters ?? [:]),
                                          dataDirectory: dataDirectory)
        var agent = NodeAgent(
            store: store,
            client: JoinClient(registry: registry, logger: logger, proverContext: proverContext),
            parameters: parameters, labels: config.sshService.labels,
            advertiseAddress: Self.advertisedSSHAddress(config.sshService, throughProxy: route.dialer.isViaProxy),
            heartbeatInterval: NodeRunner.heartbeatInterval, logger: logger)
        if let readiness {
            agent.heartbeatObserver = { failure in
                if let failure {
                    readiness.markNotReady("the last heartbeat to the Auth server failed: \(failure)")
                } else {
                    readiness.markReady()
                }
            }
        }
        return agent
    }

    /// Joins (or reuses the identity), then heartbeats; a node with `ssh_service` enabled runs
    /// its SSH Service beside (``NodeSSHService``).
    public func run() async throws {
        let agent = try await makeAgent()
        let identity = try await agent.identity()
        guard config.sshService.enabled, roles.contains(.node) else {
            return try await agent.heartbeat(as: identity)
        }
        let ssh = NodeSSHService(identity: identity, authServer: agent.parameters.authServer, dialer: agent.parameters.dialer,
                                 config: config.sshService, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await ssh.run() }
            try await agent.heartbeat(as: identity)
        }
    }

    /// The address a node heartbeats for its SSH Service: `public_addr`; else, for a node that
    /// listens (joined an Auth server directly), its `listen_addr` unless that is a wildcard;
    /// else none (a node behind a reverse tunnel is reached through it: `tsh ls` shows
    /// `⟵ Tunnel`).
    static func advertisedSSHAddress(_ ssh: SSHServiceConfig, throughProxy: Bool) -> String {
        if let first = ssh.publicAddr.first { return first }
        guard !throughProxy, ssh.enabled, let address = try? AuthAddress(parsing: ssh.listenAddr, defaultPort: 3022),
              !["0.0.0.0", "::", ""].contains(address.host) else { return "" }
        return "\(address)"
    }
}
