import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl inventory ls`: the instances connected to the cluster now.
struct InventoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory", abstract: "List the instances connected to the cluster.",
        subcommands: [InventoryListCommand.self])
}

/// `tctl inventory ls [--services=node,proxy] [--exact-version|--older-than|--newer-than V]
/// [--format=text|json]`: every instance heartbeating now, what it runs, its version and the
/// join method it last joined with (see ``CLISupport/InventoryListing``).
struct InventoryListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List connected instances: services, versions and the join method each used.",
        aliases: ["list"])

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only instances running one of these services, comma-separated (node,kube,proxy,…).")
    var services: String?
    @Option(name: .customLong("exact-version"), help: "Only instances at exactly this version.")
    var exactVersion: String?
    @Option(name: .customLong("older-than"), help: "Only instances older than this version.")
    var olderThan: String?
    @Option(name: .customLong("newer-than"), help: "Only instances newer than this version.")
    var newerThan: String?
    @Option(help: "Output: text (table), json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let filter = try InventoryListing.Filter(services: services, exactVersion: exactVersion,
                                                     olderThan: olderThan, newerThan: newerThan)
            let nodes = try await global.connection().withAdmin { admin in
                try await admin.listNodes(Joinery_V1_ListNodesRequest()).nodes
            }
            let entries = nodes.map {
                InventoryEntry(serverID: $0.hostID, hostname: $0.hostname, services: $0.roles, version: $0.version,
                               joinMethod: $0.joinMethod)
            }
            print(try InventoryListing.render(entries, filter: filter, format: outputFormat), terminator: "")
        }
    }
}
