import ArgumentParser
import CLIKit
import Foundation
import JoinCore
import JoineryProto

/// `tsh ls [key=value …]`: the nodes the user's roles allow, with the labels roles see (the
/// ones the cluster binds win over what a node reports).
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the nodes you may reach.")

    @Option(help: "Output: text or json.")
    var format = "text"
    @Argument(help: "Only nodes with these labels, key=value.")
    var labels: [String] = []

    func run() async throws {
        try await CommandErrors.reporting {
            let filter = try NodeTarget.labels(labels)
            guard ["text", "json"].contains(format) else { throw JoinError.badParameter("--format \(format): use text or json") }
            let store = ProfileStore()
            let nodes = try await ClusterConnection(profile: try store.requireCurrent(), store: store).nodes()
                .filter { NodeTarget.matches($0, labels: filter) }
            print(format == "json" ? try NodeTable.json(nodes) : NodeTable.text(nodes), terminator: "")
        }
    }
}

/// `tsh ls` output.
enum NodeTable {
    static func text(_ nodes: [Joinery_V1_Node]) -> String {
        let rows = nodes.map { node in
            [node.hostname, node.addr.isEmpty ? "⟵ Tunnel" : node.addr,
             node.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")]
        }
        return TextTable(headers: ["Node Name", "Address", "Labels"], rows: rows).render()
    }

    static func json(_ nodes: [Joinery_V1_Node]) throws -> String {
        struct Entry: Encodable {
            var kind = "node", version = "v2"
            var metadata: [String: String]
            var spec: Spec
            struct Spec: Encodable { var hostname: String; var addr: String; var labels: [String: String]; var tunnel: Bool }
        }
        let entries = nodes.map {
            Entry(metadata: ["name": $0.hostID],
                  spec: .init(hostname: $0.hostname, addr: $0.addr, labels: $0.labels, tunnel: $0.addr.isEmpty))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self) + "\n"
    }
}

/// How tsh names nodes: by name, host ID, `name.<cluster>`, or a label selector `key=value`.
enum NodeTarget {
    /// `key=value` arguments as a filter; anything else is an error naming it.
    static func labels(_ arguments: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for argument in arguments.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw JoinError.badParameter("\"\(argument)\" is not a label selector; use key=value")
            }
            labels[parts[0]] = parts[1]
        }
        return labels
    }

    static func matches(_ node: Joinery_V1_Node, labels: [String: String]) -> Bool {
        labels.allSatisfy { node.labels[$0.key] == $0.value }
    }

    /// The nodes a host argument names.
    static func resolve(_ host: String, in nodes: [Joinery_V1_Node], cluster: String) throws -> [Joinery_V1_Node] {
        if host.contains("=") {
            let filter = try labels([host])
            return nodes.filter { matches($0, labels: filter) }
        }
        let bare = host.hasSuffix("." + cluster) ? String(host.dropLast(cluster.count + 1)) : host
        let byID = nodes.filter { $0.hostID == bare }
        if !byID.isEmpty { return byID }
        return nodes.filter { $0.hostname == bare }
    }
}
