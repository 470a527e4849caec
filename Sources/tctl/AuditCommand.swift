import ArgumentParser
import CLIKit
import CLISupport
import Foundation

/// `tctl audit ls`: the join audit trail, oldest first.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read the audit log.", subcommands: [AuditListCommand.self])
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List recent audit events, oldest first, filtered by the Auth server.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many of the newest matching events.")
    var limit: Int32 = 100
    @Option(help: "text (table) or json (one event per line).")
    var format: String?
    @Option(help: "Only events of this join method (token, ec2, iam, github, gitlab, … as `tctl join-methods ls` lists them, or renewal).")
    var method: String?
    @Option(help: "Only successful or only failed attempts: success or failure.")
    var outcome: String?
    @Option(help: "Only events at or after TIME: RFC 3339 (2026-01-02T15:04:05Z) or a duration ago (30m, 1h, 72h).")
    var since: String?
    @Option(help: "Only events before TIME: RFC 3339 or a duration ago, as for --since.")
    var until: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let filter = try AuditListFilter(method: method, outcome: outcome, since: since, until: until, now: Date())
            let request = filter.request(limit: limit)
            let events = try await global.connection().withAdmin { admin in
                try await admin.listAuditEvents(request).eventsJson
            }
            if format?.lowercased() == "json" {
                for event in events { print(String(decoding: event, as: UTF8.self)) }
                return
            }
            print(try AuditTable.render(events), terminator: "")
        }
    }
}
