import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoineryProto

/// `tctl join-methods`: what the Auth server can join with.
struct JoinMethodsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join-methods", abstract: "List the join methods the Auth server knows.",
        subcommands: [JoinMethodsListCommand.self])
}

/// `tctl join-methods ls`: each method's name, whether it is built in or an external program
/// (with the SHA-256 the program is held to), and whether this Auth server enabled it.
struct JoinMethodsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List join methods: built-in or external, enabled or not.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: text (table) or json.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let methods = try await global.connection().withAdmin { admin in
                try await admin.listJoinMethods(Joinery_V1_ListJoinMethodsRequest()).methods
            }
            switch try OutputFormat(parsing: format) {
            case .json:
                let rows = methods.map { method -> [String: String] in
                    var row = ["name": method.name, "origin": method.origin, "enabled": method.enabled ? "true" : "false"]
                    if method.origin == "external" {
                        row["command"] = method.command
                        row["sha256"] = method.sha256
                    }
                    return row
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            default:
                let table = TextTable(headers: ["Name", "Origin", "Enabled", "Program", "SHA-256"], rows: methods.map {
                    [$0.name, $0.origin == "external" ? "external" : "built-in", $0.enabled ? "yes" : "no", $0.command, $0.sha256]
                })
                print(table.render(), terminator: "")
            }
        }
    }
}
