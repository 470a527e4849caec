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
        subcommands: [BotsListCommand.self, BotsAddCommand.self, BotsUpdateCommand.self, BotsRemoveCommand.self, BotInstancesCommand.self])
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
                let joinToken = try await BotJoinToken.choose(admin, botName: name, existing: token, lifetime: lifetime.seconds)
                _ = try await admin.createResource(.with { $0.resourceJson = botJSON })
                try await joinToken.storeIfNew(admin)
                return (joinToken, try await admin.getStatus(Joinery_V1_StatusRequest()))
            }
            print(joinToken.instructions(status: status), terminator: "")
        }
    }
}

/// `tctl bots update NAME`: changes an existing bot's roles, logins or certificate lifetime
/// limit (``BotUpdate``), as Teleport's command does.
struct BotsUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Change an existing bot's roles, logins or max session TTL.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The bot's name.")
    var name: String
    @Option(name: .customLong("roles"), help: "Comma-separated roles that replace the bot's roles.")
    var setRoles: String?
    @Option(name: .customLong("add-roles"), help: "Comma-separated roles to add.")
    var addRoles: String?
    @Option(name: .customLong("set-logins"), help: "Comma-separated logins that replace the bot's logins trait.")
    var setLogins: String?
    @Option(name: .customLong("add-logins"), help: "Comma-separated logins to add.")
    var addLogins: String?
    @Option(name: .customLong("max-session-ttl"), help: "The longest certificate lifetime the bot may ask for (e.g. 12h).")
    var maxSessionTTL: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let update = BotUpdate(
                setRoles: BotUpdate.entries(setRoles), addRoles: BotUpdate.entries(addRoles) ?? [],
                setLogins: BotUpdate.entries(setLogins), addLogins: BotUpdate.entries(addLogins) ?? [],
                maxSessionTTL: try maxSessionTTL.map { try GoDuration(parsing: $0) })
            guard !update.isEmpty else {
                print("No changes requested, nothing to do")
                return
            }
            let name = self.name
            let updated = try await global.connection().withAdmin { admin -> Bool in
                let current = try await admin.getResource(.with {
                    $0.kind = "bot"
                    $0.name = name
                }).resourceJson
                guard let changed = try update.applied(to: JSONDecoder().decode(JSONValue.self, from: current)) else { return false }
                let json = try JSONEncoder().encode(changed)
                _ = try await admin.createResource(.with {
                    $0.resourceJson = json
                    $0.upsert = true
                })
                return true
            }
            print(updated ? "bot \"\(name)\" has been updated; roles take effect on its next renewal" : "bot \"\(name)\" already is as asked; nothing changed")
        }
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
        commandName: "instances", abstract: "Inspect bot instances, or onboard a new one.",
        subcommands: [BotInstancesListCommand.self, BotInstancesShowCommand.self, BotInstancesAddCommand.self])
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

/// `tctl bots instances show BOT/ID`: one instance, whole, as YAML (or JSON).
struct BotInstancesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one bot instance: its joins and renewals.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The instance, as BOT/INSTANCE_ID (tctl bots instances ls lists them).")
    var instance: String
    @Option(help: "Output: yaml or json.")
    var format = "yaml"

    func run() async throws {
        try await CommandErrors.reporting {
            guard instance.split(separator: "/", omittingEmptySubsequences: false).count == 2,
                  !instance.hasPrefix("/"), !instance.hasSuffix("/") else {
                throw JoinError.badParameter("name the instance as BOT/INSTANCE_ID, as tctl bots instances ls shows them")
            }
            guard ["yaml", "json"].contains(format.lowercased()) else { throw JoinError.badParameter("--format \(format): use yaml or json") }
            let name = instance
            let json = try await global.connection().withAdmin { admin in
                try await admin.getResource(.with {
                    $0.kind = "bot_instance"
                    $0.name = name
                }).resourceJson
            }
            let value = try JSONDecoder().decode(JSONValue.self, from: json)
            print(try format.lowercased() == "json" ? ResourceDocuments.json([value]) : ResourceDocuments.yaml([value]), terminator: "")
        }
    }
}

/// `tctl bots instances add BOT [--token=EXISTING]`: onboards another instance of an existing
/// bot, with a new single-use token or an existing one, printing what `tctl bots add` prints.
struct BotInstancesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Join a new instance onto an existing bot.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The name of the existing bot.")
    var name: String
    @Option(help: "An existing join token to use (it must allow role Bot and name this bot); if unset, a new single-use token is created.")
    var token: String?
    @Option(help: "How long the new join token is valid.")
    var ttl = "1h"

    func run() async throws {
        try await CommandErrors.reporting {
            let lifetime = try GoDuration(parsing: ttl)
            guard lifetime.seconds > 0 else { throw JoinError.badParameter("--ttl must be positive") }
            let (name, token) = (self.name, self.token)
            let (joinToken, status) = try await global.connection().withAdmin { admin in
                let bots = try await admin.listResources(.with { $0.kind = "bot" }).resources
                    .compactMap { try? JSONDecoder().decode(JSONValue.self, from: $0.resourceJson)["metadata"]?["name"]?.stringValue }
                guard bots.contains(name) else {
                    throw JoinError.notFound("bot \(UntrustedString.quoted(name)) not found; create it with tctl bots add")
                }
                let joinToken = try await BotJoinToken.choose(admin, botName: name, existing: token, lifetime: lifetime.seconds)
                try await joinToken.storeIfNew(admin)
                return (joinToken, try await admin.getStatus(Joinery_V1_StatusRequest()))
            }
            print(joinToken.instructions(status: status), terminator: "")
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
