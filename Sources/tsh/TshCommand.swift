import ArgumentParser
import CLIKit
import Foundation

/// Entry point: logging goes to standard error (standard output carries `tsh proxy ssh`'s
/// SSH bytes and the commands' output), warnings only unless `TELEPORT_DEBUG` is set.
@main
enum TshMain {
    static func main() async {
        let debug = !(ProcessInfo.processInfo.environment["TELEPORT_DEBUG"] ?? "").isEmpty
        try? LoggingSetup.bootstrap(severity: debug ? .debug : .warn, destination: .standardError)
        await TshCommand.main()
    }
}

/// `tsh`: signs users in to a cluster and takes them to its nodes (Teleport's client).
struct TshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsh",
        abstract: "Sign in to a Joinery cluster and reach its nodes.",
        subcommands: [LoginCommand.self, StatusCommand.self, LogoutCommand.self, ListCommand.self, SSHCommand.self,
                      ConfigCommand.self, ProxyCommand.self, KnownHostsCommand.self, VersionCommand.self])
}
