import ArgumentParser
import CLIKit
import CLISupport

/// `teleport`: runs the Auth service or a joining node, and writes configuration files.
@main
struct TeleportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teleport",
        abstract: "Joinery: run an Auth server or join a process to a cluster.",
        subcommands: [StartCommand.self, ConfigureCommand.self, NodeCommand.self, VersionCommand.self])
}
