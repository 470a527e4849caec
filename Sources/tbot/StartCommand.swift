import Agent
import ArgumentParser
import CLIKit
import Foundation
import Logging

/// `tbot start`: join the cluster as a bot and keep its identity and outputs renewed.
/// `tbot start -c tbot.yaml` runs a config file; `tbot start identity …` runs from flags, as CI
/// guides use it.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Join the cluster as a bot and keep its identity and outputs renewed.",
        subcommands: [StartFromConfigCommand.self, StartIdentityCommand.self],
        defaultSubcommand: StartFromConfigCommand.self)
}

/// `tbot start -c tbot.yaml`: joins (or renews), writes the outputs, and keeps doing so every
/// `renewal_interval` until stopped — or once with `--oneshot` / `oneshot: true`.
struct StartFromConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Run the bot a tbot.yaml describes (the default: `tbot start -c tbot.yaml`).")

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
            try await BotProcess.run(settings, warnings: [])
        }
    }
}

/// `tbot start identity`: a bot from flags (and, optionally, a config file), writing an
/// identity to `--destination`.
struct StartIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Join as a bot and write its identity to --destination, from flags (and -c, optionally).")

    @Option(name: [.short, .customLong("config")], help: "A tbot.yaml whose settings the flags override.")
    var config: String?
    @Option(name: [.short, .customLong("auth-server")], help: "Address of the Auth server (or TELEPORT_AUTH_SERVER). Prefer --proxy-server.")
    var authServer: String?
    @Option(name: .customLong("proxy-server"), help: "Address of the Proxy Service (or TELEPORT_PROXY).")
    var proxyServer: String?
    @Option(help: "The join token's name, or a path to a file holding it (or TELEPORT_BOT_TOKEN).")
    var token: String?
    @Option(name: .customLong("join-method"), help: "How to join: token, bound_keypair, iam, github, gitlab, circleci, …")
    var joinMethod: String?
    @Option(name: .customLong("ca-pin"), help: "A pin of the cluster's CA (sha256:…); repeatable.")
    var caPins: [String] = []
    @Option(name: .customLong("certificate-ttl"), help: "How long the certificates stay valid (e.g. 1h).")
    var certificateTTL: String?
    @Option(name: .customLong("renewal-interval"), help: "How often to renew; shorter than --certificate-ttl (e.g. 20m).")
    var renewalInterval: String?
    @Option(help: "Where the bot keeps its own state: a directory or file:///path (default \(TbotFlags.defaultStorage)).")
    var storage: String?
    @Option(help: "Where to write the identity: a directory or file:///path.")
    var destination: String
    @Flag(help: "Join once, write the identity and exit.")
    var oneshot = false
    @Flag(name: [.short, .long], help: "Debug logging.")
    var debug = false

    func run() async throws {
        try await CommandErrors.reporting {
            var flags = TbotFlags()
            flags.authServer = authServer
            flags.proxyServer = proxyServer
            flags.token = token
            flags.joinMethod = joinMethod
            flags.caPins = caPins
            flags.certificateTTL = certificateTTL
            flags.renewalInterval = renewalInterval
            flags.storage = storage
            flags.destination = destination
            flags.oneshot = oneshot
            flags.debug = debug
            flags.fillFromEnvironment(ProcessInfo.processInfo.environment)
            let (settings, warnings) = try flags.apply(to: try config.map { try TbotConfig.load(path: $0) })
            try await BotProcess.run(settings, warnings: warnings)
        }
    }
}

/// Runs a bot with its settings: logging, the client registry, once or until stopped.
enum BotProcess {
    static func run(_ settings: TbotConfig, warnings: [String]) async throws {
        try LoggingSetup.bootstrap(debug: settings.debug)
        let logger = Logger(label: "tbot")
        for warning in warnings + settings.warnings { logger.warning("\(warning)") }
        let runner = BotRunner(settings: settings.botSettings(), registry: try JoinMethodCatalog.clientRegistry(settings.joinPlugins, logger: logger),
                               logger: logger)
        if settings.oneshot {
            try await runner.run()
        } else {
            try await SignalHandling.runUntilTerminated { try await runner.run() }
        }
    }
}
