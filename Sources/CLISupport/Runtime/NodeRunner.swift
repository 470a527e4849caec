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
            advertiseAddress: config.sshService.publicAddr.first ?? "",
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

    public func run() async throws {
        try await makeAgent().run()
    }
}
