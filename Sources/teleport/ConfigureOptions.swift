import ArgumentParser
import CLIKit
import CLISupport

/// The flags `teleport configure` and `teleport node configure` share: where the file goes,
/// and the node's name and state directory. One declaration, so both commands explain them
/// the same way in `--help`.
struct ConfigFileOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: "Where to write: stdout, file (/etc/teleport.yaml), file:///path or a path.")
    var output = "stdout"
    @Option(name: .customLong("data-dir"), help: "Where teleport keeps its state (teleport.data_dir).")
    var dataDir: String = TeleportSection.defaultDataDir
    @Option(name: .customLong("node-name"), help: "Name of this node (teleport.nodename); the hostname when omitted.")
    var nodeName: String?

    var resolvedNodeName: String { nodeName ?? HostName.current }
}

/// The flags of both configure commands that say how the written config reaches and trusts the
/// cluster (``CLISupport/AgentConnectionSettings``), as `teleport start` takes them.
struct AgentConnectionOptions: ParsableArguments {
    @Option(help: "Join token, or an absolute path to a file holding it (teleport.join_params.token_name).")
    var token: String?
    @Option(name: .customLong("join-method"),
            help: "How to join: token, ec2, iam, github, … as `tctl join-methods ls` lists them (token when omitted).")
    var joinMethod: String?
    @Option(name: .customLong("auth-server"), help: "Address of the Auth server to join directly, host:port (teleport.auth_server).")
    var authServer: String?
    @Option(name: .customLong("proxy"), help: "Address of the Proxy Service to join through, host:port (teleport.proxy_server).")
    var proxy: String?
    @Option(name: .customLong("ca-pin"), help: "CA pin from `tctl status` to verify the Auth server with (teleport.ca_pin; repeatable).")
    var caPins: [String] = []
    @Option(name: .customLong("ca-path"),
            help: "PEM file of CA certificates to trust the Proxy Service's certificate with (teleport.ca_path).")
    var caPath: String?

    var settings: AgentConnectionSettings {
        AgentConnectionSettings(token: token, joinMethod: joinMethod, authServer: authServer, proxyServer: proxy,
                                caPins: caPins, caPath: caPath)
    }
}
