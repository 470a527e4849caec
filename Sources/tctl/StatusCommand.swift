import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl status`: the cluster, its version, its CAs and the CA pins.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the cluster's status and CA pins.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandErrors.reporting {
            let status = try await global.connection().withAdmin { admin in
                try await admin.getStatus(Joinery_V1_StatusRequest())
            }
            let report = ClusterStatus(
                clusterName: status.clusterName, version: status.serverVersion,
                authorities: status.authorities.map { AuthorityStatus(type: $0.type, rotation: $0.rotation) },
                pins: status.authorities.flatMap(\.pins))
            print(ClusterStatusOutput.table(report), terminator: "")
        }
    }
}

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

/// The audit events as a table: time, event, code, method, token, role, host, address, result.
enum AuditTable {
    static func render(_ events: [Data]) throws -> String {
        let rows = try events.map { data -> [String] in
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
            func field(_ key: String) -> String { (object[key] as? String) ?? "" }
            let success = (object["success"] as? Bool) == true
            return [field("time"), field("type"), field("code"), field("method"), field("token_name"), field("role"),
                    field("host_id"), field("remote_address"), success ? "success" : "failure: " + field("reason")]
        }
        guard !rows.isEmpty else { return "No audit events found.\n" }
        return TextTable(headers: ["Time", "Event", "Code", "Method", "Token", "Role", "Host ID", "Remote Address", "Result"],
                         rows: rows).render()
    }
}
