import ArgumentParser
import CLIKit
import Foundation
import JoinCore

/// `tsh proxy ssh LOGIN@HOST:PORT`: joins standard input and output to a node's SSH port
/// through the Proxy Service (OpenSSH's ProxyCommand). The proxy checks the user's
/// certificate, finds the node (its reverse tunnel, or its address) and splices; the SSH
/// session itself runs end to end between OpenSSH and the node.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy", abstract: "Proxy connections through the Proxy Service.", subcommands: [ProxySSHCommand.self])
}

struct ProxySSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ssh", abstract: "Connect standard input and output to a node's SSH service.")

    @Argument(help: "[LOGIN@]HOST:PORT, as OpenSSH's %r@%h:%p.")
    var target: String

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            let profile = try store.requireCurrent()
            var host = target
            if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
            if let colon = host.lastIndex(of: ":"), Int(host[host.index(after: colon)...]) != nil, !host.hasSuffix("]") {
                host = String(host[..<colon]) + ":" + host[host.index(after: colon)...]
            } else {
                host += ":3022"
            }
            if let dot = host.range(of: "." + profile.cluster + ":") {
                host = String(host[..<dot.lowerBound]) + ":" + host[dot.upperBound...]
            }
            try await ProxySSHStdio(profile: profile, store: store).run(target: host)
        }
    }
}
