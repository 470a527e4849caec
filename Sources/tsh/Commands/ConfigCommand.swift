import ArgumentParser
import CLIKit
import Foundation
import JoinCore

/// `tsh config`: an OpenSSH client configuration for the signed-in cluster, so that plain
/// `ssh -F FILE LOGIN@NODE.CLUSTER` goes through the Proxy Service with tsh's keys.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Print an OpenSSH client configuration for the cluster.")

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            print(OpenSSHOptions(profile: try store.requireCurrent(), store: store).configText(), terminator: "")
        }
    }
}

/// `tsh known-hosts HOST` (OpenSSH's KnownHostsCommand): known_hosts lines for the node HOST
/// names, with the host key the cluster certified when the node joined. The key comes from
/// the Auth server over the user's mTLS session, never from the node.
struct KnownHostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "known-hosts", abstract: "Print known_hosts lines for a node (for OpenSSH's KnownHostsCommand).",
        shouldDisplay: false)

    @Argument(help: "The host name OpenSSH looks up (NODE, NODE.CLUSTER or [NODE.CLUSTER]:PORT).")
    var host: String

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            let profile = try store.requireCurrent()
            let nodes = try await ClusterConnection(profile: profile, store: store).nodes()
            guard !host.contains("=") else { return }
            // OpenSSH names a host on another port than 22 `[HOST]:PORT`.
            var name = host
            if name.hasPrefix("["), let end = name.firstIndex(of: "]") {
                name = String(name[name.index(after: name.startIndex)..<end])
            }
            // Two nodes answering to one name (a node can report any hostname) get no key: the
            // connection fails rather than trusting either.
            let matches = try NodeTarget.resolve(name, in: nodes, cluster: profile.cluster)
            guard matches.count == 1, let node = matches.first, !node.sshHostKey.isEmpty else { return }
            print("\(host) \(node.sshHostKey)")
        }
    }
}
