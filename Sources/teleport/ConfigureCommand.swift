import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore

/// `teleport configure`: writes a sample v3 teleport.yaml.
struct ConfigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure", abstract: "Write a sample teleport.yaml (to stdout by default).")

    @OptionGroup var file: ConfigFileOptions
    @Option(name: .customLong("cluster-name"), help: "Name of the cluster (auth_service.cluster_name); the node name when omitted.")
    var clusterName: String?
    @Option(help: "Services to enable: auth, proxy, node (all three when omitted).")
    var roles: String?
    @OptionGroup var connection: AgentConnectionOptions
    @Option(name: .customLong("public-addr"), help: "Public address of the Proxy Service, host:port (proxy_service.public_addr).")
    var publicAddr: String?

    func run() throws {
        try CommandErrors.reportingSync {
            let options = SampleConfigOptions(
                clusterName: clusterName, nodeName: file.resolvedNodeName, dataDir: file.dataDir,
                roles: try roles.map(SystemRole.parseList) ?? [], publicAddr: publicAddr, connection: connection.settings)
            try ConfigOutputTarget(parsing: file.output).write(try SampleConfigWriter.yaml(options))
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

    @OptionGroup var file: ConfigFileOptions
    @OptionGroup var connection: AgentConnectionOptions
    @Option(help: "Labels of the node: k=v,k2=v2 (ssh_service.labels).")
    var labels: String?
    @Flag(help: "Print nothing but errors.")
    var silent = false

    func run() throws {
        try CommandErrors.reportingSync {
            let options = NodeConfigOptions(
                nodeName: file.resolvedNodeName, dataDir: file.dataDir, labels: try labels.map { try LabelsText.parse($0) } ?? [:],
                connection: connection.settings)
            let target = try ConfigOutputTarget(parsing: file.output)
            let yaml = try NodeConfigWriter.yaml(options)
            if silent, case .file = target {
                try target.write(yaml) { _ in }
            } else {
                try target.write(yaml)
            }
            if connection.authServer != nil && connection.caPins.allSatisfy(\.isEmpty) && connection.caPath == nil && !silent {
                // The config is valid, but `teleport start` will refuse to join with it as is.
                FileHandle.standardError.write(Data("""
                    note: no --ca-pin given, so the config has ca_pin: "". teleport start will refuse to join the Auth \
                    server until ca_pin is set (from `tctl status`) or --insecure is passed.\n
                    """.utf8))
            }
        }
    }
}
