import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl bots ls|add|rm|instances`.
struct BotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bots", abstract: "Manage bots.",
        subcommands: [BotsListCommand.self, BotsAddCommand.self, BotsRemoveCommand.self, BotInstancesCommand.self])
}

struct BotsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List bots.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: text (table), json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let bots = try await AdminResources.list(kind: "bot", global: global)
            print(try BotListing.render(bots, format: outputFormat), terminator: "")
        }
    }
}

struct BotsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create a bot, with a single-use join token for it (join method token) unless --token names an existing one.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The bot's name.")
    var name: String
    @Option(help: "Comma-separated roles the bot holds.")
    var roles = ""
    @Option(help: "How long the new join token is valid.")
    var ttl = "1h"
    @Option(help: "An existing join token to use (it must allow role Bot and name this bot); if unset, a new single-use token is created.")
    var token: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let lifetime = try GoDuration(parsing: ttl)
            guard lifetime.seconds > 0 else { throw JoinError.badParameter("--ttl must be positive") }
            let bot: JSONValue = .object([
                "kind": .string("bot"), "version": .string("v1"), "metadata": .object(["name": .string(name)]),
                "spec": .object(["roles": .array(roles.split(separator: ",").map { .string(String($0)) })]),
            ])
            let botJSON = try JSONEncoder().encode(bot)
            let (joinToken, status) = try await global.connection().withAdmin { admin in
                var joinToken = newToken(expires: Date().addingTimeInterval(lifetime.seconds))
                if let token {
                    let tokens = try await admin.listResources(.with { $0.kind = "token" }).resources
                        .map { try JSONDecoder().decode(ProvisionToken.self, from: $0.resourceJson) }
                    joinToken = try ExistingBotToken.find(token, admitting: name, among: tokens)
                }
                _ = try await admin.createResource(.with { $0.resourceJson = botJSON })
                if token == nil {
                    let tokenJSON = try JSONEncoder().encode(joinToken)
                    _ = try await admin.createResource(.with { $0.resourceJson = tokenJSON })
                }
                return (joinToken, try await admin.getStatus(Joinery_V1_StatusRequest()))
            }
            let minutes = joinToken.metadata.expires.map { max(0, Int(($0.timeIntervalSinceNow / 60).rounded())) }
            let method = joinToken.spec.joinMethod.isEmpty ? "token" : joinToken.spec.joinMethod
            print(BotAddOutput.instructions(token: joinToken.metadata.name, joinMethod: method, ttlMinutes: minutes,
                                            authServer: status.advertiseAddr, caPins: status.authorities.flatMap(\.pins)),
                  terminator: "")
        }
    }

    private func newToken(expires: Date) -> ProvisionToken {
        var joinToken = ProvisionToken(name: TokenCreation.randomValue(), roles: [.bot], joinMethod: "token", expires: expires)
        joinToken.spec.botName = name
        return joinToken
    }

}

struct BotsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a bot.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The bot's name.")
    var name: String

    func run() async throws {
        try await CommandErrors.reporting {
            let name = self.name
            try await global.connection().withAdmin { admin in
                _ = try await admin.deleteResource(.with {
                    $0.kind = "bot"
                    $0.name = name
                })
            }
            print("bot \"\(name)\" has been deleted")
        }
    }
}

/// `tctl bots instances ls [BOT]`.
struct BotInstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances", abstract: "Inspect bot instances.", subcommands: [BotInstancesListCommand.self])
}

struct BotInstancesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List bot instances and their generations.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this bot's instances.")
    var bot: String?
    @Option(help: "Output: text (table) or json.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let all = try await AdminResources.list(kind: "bot_instance", global: global)
                .filter { bot == nil || $0["bot_name"]?.stringValue == bot }
            if format?.lowercased() == "json" {
                print(try ResourceDocuments.json(all), terminator: "")
                return
            }
            let rows = all.map { instance -> [String] in
                var generation = "", last = ""
                if case .array(let history)? = instance["authentications"], let newest = history.last {
                    if case .number(let value)? = newest["generation"] { generation = String(Int(value)) }
                    last = newest["time"]?.stringValue ?? ""
                }
                return [instance["bot_name"]?.stringValue ?? "", instance["instance_id"]?.stringValue ?? "",
                        instance["join_method"]?.stringValue ?? "", generation, last]
            }
            print(TextTable(headers: ["Bot", "Instance ID", "Join Method", "Generation", "Last Authenticated"], rows: rows).render(),
                  terminator: "")
        }
    }
}

/// Listing resources of one kind as JSON values.
enum AdminResources {
    static func list(kind: String, global: GlobalOptions) async throws -> [JSONValue] {
        let responses = try await global.connection().withAdmin { admin in
            try await admin.listResources(.with { $0.kind = kind }).resources
        }
        return try responses.map { try JSONDecoder().decode(JSONValue.self, from: $0.resourceJson) }
    }
}
