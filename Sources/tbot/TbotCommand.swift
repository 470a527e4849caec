import ArgumentParser
import CLIKit

/// `tbot`: the bot agent. Joins the cluster as a bot, keeps its certificates renewed and
/// writes them where other programs can use them.
@main
struct TbotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbot",
        abstract: "Join a Joinery cluster as a bot and keep its certificates renewed.",
        subcommands: [StartCommand.self, KeypairCommand.self, VersionCommand.self])
}
