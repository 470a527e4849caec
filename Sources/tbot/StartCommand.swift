import Agent
import ArgumentParser
import CLIKit
import Foundation
import Logging

/// `tbot start -c tbot.yaml`: joins (or renews), writes the outputs, and keeps doing so every
/// `renewal_interval` until stopped — or once with `--oneshot` / `oneshot: true`.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Join the cluster as a bot and keep its identity and outputs renewed.")

    @Option(name: [.short, .customLong("config")], help: "Path to tbot.yaml.")
    var config: String
    @Flag(help: "Join or renew once, write the outputs and exit (overrides oneshot in the file).")
    var oneshot = false
    @Flag(name: [.short, .long], help: "Debug logging (overrides debug in the file).")
    var debug = false

    func run() async throws {
        try await CommandErrors.reporting {
            var settings = try TbotConfig.load(path: config)
            if oneshot { settings.oneshot = true }
            if debug { settings.debug = true }
            try LoggingSetup.bootstrap(debug: settings.debug)
            let logger = Logger(label: "tbot")
            let runner = BotRunner(settings: settings.botSettings(), registry: try JoinMethodCatalog.clientRegistry(settings.joinPlugins, logger: logger),
                                   logger: logger)
            if settings.oneshot {
                try await runner.run()
            } else {
                try await SignalHandling.runUntilTerminated { try await runner.run() }
            }
        }
    }
}
