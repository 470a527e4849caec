import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl nodes add|ls`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Manage nodes.", subcommands: [NodesAddCommand.self, NodesListCommand.self])
}

struct NodesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a join token for new nodes.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Roles the token allows.")
    var roles = "node"
    @Option(help: "How long the token is valid.")
    var ttl: String = "30m"
    @Option(help: "The token value (default: random).")
    var token: String?
    @Option(help: "Output: text, json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            try await TokenCreation(global: global, rolesText: roles, value: token, ttl: ttl, labels: nil, format: format).run()
        }
    }
}

struct NodesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List nodes that are heartbeating.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: text (table), json or yaml.")
    var format: String?
    @Flag(help: "Show labels in full.")
    var verbose = false

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let nodes = try await global.connection().withAdmin { admin in
                try await admin.listNodes(Joinery_V1_ListNodesRequest()).nodes
            }
            let summaries = nodes.map {
                NodeSummary(hostname: $0.hostname, hostID: $0.hostID, address: $0.addr, labels: $0.labels, version: $0.version,
                            lastSeen: $0.lastSeenUnix > 0 ? Date(timeIntervalSince1970: TimeInterval($0.lastSeenUnix)) : nil,
                            boundLabelKeys: Set($0.boundLabelKeys))
            }
            print(try NodeListing.render(summaries, format: outputFormat, labelsWidth: verbose ? nil : 60), terminator: "")
        }
    }
}
