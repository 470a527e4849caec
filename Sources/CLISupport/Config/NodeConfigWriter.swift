import CLIKit
import JoinCore

/// The flags of `teleport node configure`.
public struct NodeConfigOptions: Sendable, Equatable {
    /// `--node-name`; callers pass the host name when the flag is absent.
    public var nodeName: String
    /// `--data-dir`.
    public var dataDir: String
    /// `--labels k=v,…` already parsed (``LabelsText/parse(_:flag:)``).
    public var labels: [String: String]
    /// `--token`, `--join-method`, `--proxy` / `--auth-server`, `--ca-pin`.
    public var connection: AgentConnectionSettings

    public init(nodeName: String, dataDir: String = TeleportSection.defaultDataDir, labels: [String: String] = [:],
                connection: AgentConnectionSettings = AgentConnectionSettings()) {
        self.nodeName = nodeName
        self.dataDir = dataDir
        self.labels = labels
        self.connection = connection
    }
}

/// Writes the SSH-only agent config of `teleport node configure` (spec §10): the `teleport:`
/// section with the token, pins and one server — the proxy at `0.0.0.0:3080` when neither
/// `--proxy` nor `--auth-server` is given — the SSH service enabled with its labels, and the
/// Auth and Proxy services explicitly disabled (an absent section would mean enabled).
public enum NodeConfigWriter {
    public static let defaultProxyServer = "0.0.0.0:3080"

    public static func yaml(_ options: NodeConfigOptions) throws -> String {
        var connection = options.connection
        try connection.check()
        if connection.proxyServer.nonEmpty == nil && connection.authServer.nonEmpty == nil {
            connection.proxyServer = defaultProxyServer
        }
        var lines = GeneratedConfigHeader.lines(command: "teleport node configure")
        lines.append("version: v3")
        lines += connection.teleportSection(nodeName: options.nodeName, dataDir: options.dataDir)
        lines += ["auth_service:", "  enabled: \(SampleConfigWriter.enabledText(false))"]
        lines += ["ssh_service:", "  enabled: \(SampleConfigWriter.enabledText(true))"]
        if !options.labels.isEmpty {
            lines.append("  labels:")
            for key in options.labels.keys.sorted() {
                lines.append("    \(YAMLScalarText.scalar(key)): \(YAMLScalarText.scalar(options.labels[key]!))")
            }
        }
        lines += ["proxy_service:", "  enabled: \(SampleConfigWriter.enabledText(false))"]
        let yaml = lines.joined(separator: "\n") + "\n"
        try GeneratedConfigCheck.verify(yaml, command: "teleport node configure")
        return yaml
    }
}
