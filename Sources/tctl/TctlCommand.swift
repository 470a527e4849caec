import ArgumentParser
import CLIKit
import CLISupport
import Foundation

/// Entry point: Teleport's guides put global flags first (`tctl -c teleport.yaml status`);
/// ArgumentParser wants them after the subcommand, so they are moved there.
@main
enum TctlMain {
    static func main() async {
        await TctlCommand.main(GlobalFlagHoisting.reorder(Array(CommandLine.arguments.dropFirst())))
    }
}

/// `tctl`: administers the cluster from the Auth host (or with `--identity`).
struct TctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tctl",
        abstract: "Administer a Joinery cluster: tokens, nodes, resources, status, audit.",
        subcommands: [TokensCommand.self, NodesCommand.self, BotsCommand.self, UsersCommand.self, CreateCommand.self, GetCommand.self, EditCommand.self, RemoveCommand.self, BoundKeypairCommand.self, InventoryCommand.self,
                      StatusCommand.self, AuditCommand.self, AuthCommand.self, JoinMethodsCommand.self, VersionCommand.self])
}

/// Options every tctl command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "teleport.yaml of the Auth server (default /etc/teleport.yaml).")
    var config: String?
    @Option(name: .customLong("auth-server"), help: "Auth server address, host:port.")
    var authServer: String?
    @Option(name: [.short, .customLong("identity")], help: "Directory holding admin.crt, admin.key and ca.pem.")
    var identity: String?
    @Flag(name: [.short, .long], help: "Debug output.")
    var debug = false

    func connection() throws -> AdminConnection {
        try AdminConnection(configPath: config, authServer: authServer, identityDirectory: identity)
    }
}
