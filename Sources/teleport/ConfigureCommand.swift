import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore

/// `teleport configure`: writes a sample v3 teleport.yaml.
struct ConfigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure", abstract: "Write a sample teleport.yaml (to stdout by default).")

    @Option(name: [.short, .customLong("output")], help: "stdout, file (/etc/teleport.yaml), file:///path or a path.")
    var output = "stdout"
    @Option(name: .customLong("cluster-name"), help: "Name of the cluster.")
    var clusterName: String?
    @Option(help: "Services to enable: auth, proxy, node.")
    var roles: String?
    @Option(help: "Join token, or an absolute path to a file holding it.")
    var token: String?
    @Option(name: .customLong("join-method"))
    var joinMethod: String?
    @Option(name: .customLong("auth-server"))
    var authServer: String?
    @Option(name: .customLong("proxy"))
    var proxy: String?
    @Option(name: .customLong("ca-pin"))
    var caPins: [String] = []
    @Option(name: .customLong("data-dir"))
    var dataDir: String = TeleportSection.defaultDataDir
    @Option(name: .customLong("node-name"))
    var nodeName: String?
    @Option(name: .customLong("public-addr"))
    var publicAddr: String?

    func run() throws {
        try CommandErrors.reportingSync {
            let options = SampleConfigOptions(
                clusterName: clusterName, nodeName: nodeName ?? HostName.current, dataDir: dataDir,
                roles: try roles.map(SystemRole.parseList) ?? [], publicAddr: publicAddr,
                connection: AgentConnectionSettings(token: token, joinMethod: joinMethod, authServer: authServer,
                                                    proxyServer: proxy, caPins: caPins))
            try ConfigOutputTarget(parsing: output).write(try SampleConfigWriter.yaml(options))
        }
    }
}

/// `teleport node configure`: writes an SSH-only agent teleport.yaml.
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Commands for SSH nodes.", subcommands: [NodeConfigureCommand.self])
}

struct NodeConfigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure", abstract: "Write a teleport.yaml for an SSH node.")

    @Option(name: [.short, .customLong("output")], help: "stdout, file (/etc/teleport.yaml), file:///path or a path.")
    var output = "stdout"
    @Option(help: "Join token, or an absolute path to a file holding it.")
    var token: String?
    @Option(name: .customLong("join-method"))
    var joinMethod: String?
    @Option(name: .customLong("proxy"))
    var proxy: String?
    @Option(name: .customLong("auth-server"))
    var authServer: String?
    @Option(name: .customLong("ca-pin"))
    var caPins: [String] = []
    @Option(help: "Labels: k=v,k2=v2.")
    var labels: String?
    @Option(name: .customLong("data-dir"))
    var dataDir: String = TeleportSection.defaultDataDir
    @Option(name: .customLong("node-name"))
    var nodeName: String?
    @Flag(help: "Print nothing but errors.")
    var silent = false

    func run() throws {
        try CommandErrors.reportingSync {
            let options = NodeConfigOptions(
                nodeName: nodeName ?? HostName.current, dataDir: dataDir, labels: try labels.map { try LabelsText.parse($0) } ?? [:],
                connection: AgentConnectionSettings(token: token, joinMethod: joinMethod, authServer: authServer,
                                                    proxyServer: proxy, caPins: caPins))
            let target = try ConfigOutputTarget(parsing: output)
            let yaml = try NodeConfigWriter.yaml(options)
            if silent, case .file = target {
                try target.write(yaml) { _ in }
            } else {
                try target.write(yaml)
            }
            if authServer != nil && caPins.allSatisfy(\.isEmpty) && !silent {
                // The config is valid, but `teleport start` will refuse to join with it as is.
                FileHandle.standardError.write(Data("""
                    note: no --ca-pin given, so the config has ca_pin: "". teleport start will refuse to join the Auth \
                    server until ca_pin is set (from `tctl status`) or --insecure is passed.\n
                    """.utf8))
            }
        }
    }
}
