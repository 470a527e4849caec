import CLIKit
import JoinCore

/// The flags of `teleport configure` that shape the sample config.
public struct SampleConfigOptions: Sendable, Equatable {
    /// `--cluster-name`; the node name when not given.
    public var clusterName: String?
    /// `--nodename`; callers pass the host name when the flag is absent.
    public var nodeName: String
    /// `--data-dir`.
    public var dataDir: String
    /// `--roles`: the services to enable; `auth`, `proxy` and `node` when empty.
    public var roles: [SystemRole]
    /// `--public-addr`: the Proxy service's public address.
    public var publicAddr: String?
    public var connection: AgentConnectionSettings

    public init(clusterName: String? = nil, nodeName: String, dataDir: String = TeleportSection.defaultDataDir,
                roles: [SystemRole] = [], publicAddr: String? = nil,
                connection: AgentConnectionSettings = AgentConnectionSettings()) {
        self.clusterName = clusterName
        self.nodeName = nodeName
        self.dataDir = dataDir
        self.roles = roles
        self.publicAddr = publicAddr
        self.connection = connection
    }
}

/// Writes the sample teleport.yaml of `teleport configure` (spec §10): a v3 file with the Auth,
/// Proxy and SSH services enabled by default, or only the services `--roles` names, joined
/// through `--token` and `--proxy`/`--auth-server` when given (the seed guide's
/// `teleport configure --roles=node --token=… --auth-server=… -o file`).
public enum SampleConfigWriter {
    /// The services this build can run, as `--roles` names them.
    public static let supportedRoles: [SystemRole] = [.auth, .proxy, .node]

    public static func yaml(_ options: SampleConfigOptions) throws -> String {
        let roles = options.roles.isEmpty ? supportedRoles : options.roles
        if let unsupported = roles.first(where: { !supportedRoles.contains($0) }) {
            throw JoinError.badParameter("--roles: \(unsupported.description.lowercased()) has no service in this build; " +
                "use auth, proxy and/or node")
        }
        try options.connection.check()
        if options.connection.proxyServer.nonEmpty != nil && roles.contains(.proxy) {
            throw JoinError.badParameter("--proxy can not be used with --roles=proxy: a process running the Proxy " +
                "service does not join through another proxy; use --auth-server")
        }
        var lines = GeneratedConfigHeader.lines(command: "teleport configure")
        lines.append("version: v3")
        lines += options.connection.teleportSection(nodeName: options.nodeName, dataDir: options.dataDir)

        let auth = roles.contains(.auth)
        lines += ["auth_service:", "  enabled: \(enabledText(auth))"]
        if auth {
            lines.append("  listen_addr: \(AuthServiceConfig.defaultListenAddr)")
            lines.append("  cluster_name: \(YAMLScalarText.scalar(options.clusterName.nonEmpty ?? options.nodeName))")
        }
        lines += ["ssh_service:", "  enabled: \(enabledText(roles.contains(.node)))"]
        let proxy = roles.contains(.proxy)
        lines += ["proxy_service:", "  enabled: \(enabledText(proxy))"]
        if proxy {
            lines.append("  web_listen_addr: \(ProxyServiceConfig.defaultWebListenAddr)")
            if let publicAddr = options.publicAddr.nonEmpty {
                lines.append("  public_addr: \(YAMLScalarText.scalar(publicAddr))")
            }
        }
        let yaml = lines.joined(separator: "\n") + "\n"
        try GeneratedConfigCheck.verify(yaml, command: "teleport configure")
        return yaml
    }

    /// `"yes"`/`"no"`, quoted as Teleport writes them.
    static func enabledText(_ enabled: Bool) -> String { enabled ? "\"yes\"" : "\"no\"" }
}
