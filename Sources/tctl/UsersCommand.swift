import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl users add|ls|rm|reset`: local users, who sign in with a password and an OTP code.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage local users.",
        subcommands: [UsersAddCommand.self, UsersListCommand.self, UsersRemoveCommand.self, UsersResetCommand.self])
}

struct UsersAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a user and print a one-time link where they set a password and an OTP device.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The user's name.")
    var name: String
    @Option(help: "Comma-separated roles (e.g. editor,access).")
    var roles = ""
    @Option(help: "Comma-separated Unix logins the user may use ({{internal.logins}} in roles).")
    var logins = ""
    @Option(help: "How long the invite link is valid (max 48h).")
    var ttl = "1h"

    func run() async throws {
        try await CommandErrors.reporting {
            let lifetime = try GoDuration(parsing: ttl)
            let connection = try global.connection()
            let invite = try await connection.withAccess { access in
                try await access.createUserInvite(.with {
                    $0.name = name
                    $0.roles = UsersCommand.list(roles)
                    $0.logins = UsersCommand.list(logins)
                    $0.ttlSeconds = Int64(lifetime.seconds)
                })
            }
            print(InviteLink.message(invite, proxy: connection.proxyWebAddress, lifetime: ttl, reset: false), terminator: "")
        }
    }
}

struct UsersResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Clear a user's password and OTP device and print a new one-time link.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The user's name.")
    var name: String
    @Option(help: "How long the link is valid (max 48h).")
    var ttl = "8h"

    func run() async throws {
        try await CommandErrors.reporting {
            let lifetime = try GoDuration(parsing: ttl)
            let connection = try global.connection()
            let invite = try await connection.withAccess { access in
                try await access.createUserInvite(.with {
                    $0.name = name
                    $0.reset = true
                    $0.ttlSeconds = Int64(lifetime.seconds)
                })
            }
            print(InviteLink.message(invite, proxy: connection.proxyWebAddress, lifetime: ttl, reset: true), terminator: "")
        }
    }
}

struct UsersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List users.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: text (table), json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let users = try await AdminResources.list(kind: "user", global: global)
            switch outputFormat {
            case .json: print(try ResourceDocuments.json(users), terminator: "")
            case .yaml: print(try ResourceDocuments.yaml(users), terminator: "")
            case .text, .human:
                let rows = users.map { user -> [String] in
                    var roles: [String] = []
                    if case .array(let values)? = user["spec"]?["roles"] { roles = values.compactMap(\.stringValue) }
                    return [user["metadata"]?["name"]?.stringValue ?? "", roles.joined(separator: ",")]
                }
                print(rows.isEmpty ? "No users found.\n" : TextTable(headers: ["User", "Roles"], rows: rows).render(), terminator: "")
            }
        }
    }
}

struct UsersRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a user (its certificates stop working on nodes at once).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The user's name.")
    var name: String

    func run() async throws {
        try await CommandErrors.reporting {
            try await global.connection().withAdmin { admin in
                _ = try await admin.deleteResource(.with {
                    $0.kind = "user"
                    $0.name = name
                })
            }
            print("User \"\(name)\" has been deleted")
        }
    }
}

extension UsersCommand {
    /// `a,b,,c ` → `["a", "b", "c"]`.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// The message `tctl users add` and `reset` print, in Teleport's words, with the link to the
/// Proxy Service's invite page.
enum InviteLink {
    static func message(_ invite: Joinery_V1_UserInvite, proxy: String?, lifetime: String, reset: Bool) -> String {
        let address = proxy.map(reachable) ?? "<proxy address>:3080"
        let url = "https://\(address)/web/invite/\(invite.token)"
        let opening = reset
            ? "User \"\(invite.user)\" has been reset. Share this URL with the user to complete password reset, link is valid for \(lifetime):"
            : "User \"\(invite.user)\" has been created but requires a password. Share this URL with the user to complete user setup, link is valid for \(lifetime):"
        var text = "\(opening)\n\(url)\n\nNOTE: Make sure \(address) points at a Teleport proxy which users can access.\n"
        if proxy == nil {
            text += "(tctl found no proxy_service in its configuration: put the Proxy Service's public address in the link.)\n"
        }
        return text
    }

    /// A listen address made into one a browser can use (`0.0.0.0` is this machine).
    static func reachable(_ address: String) -> String {
        for wildcard in ["0.0.0.0:", "[::]:", ":"] where address.hasPrefix(wildcard) {
            return HostName.current + ":" + address.dropFirst(wildcard.count)
        }
        return address.contains(":") ? address : address + ":3080"
    }
}
