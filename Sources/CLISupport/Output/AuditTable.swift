import CLIKit
import Foundation

/// `tctl audit ls` as a table, one row per event as the Auth server stored it (JSON): time,
/// event, code, method, token, role, the node or bot name, host ID, address and result.
///
/// `Name` is the event's `node_name`: the name a node reported, or the bot's name for a bot
/// join, so the row says who joined without a lookup of the host ID.
public enum AuditTable {
    public static let headers = ["Time", "Event", "Code", "Method", "Token", "Role", "Name", "Host ID", "Remote Address", "Result"]
    public static let emptyMessage = "No audit events found.\n"

    public static func render(_ events: [Data]) throws -> String {
        let rows = try events.map { data -> [String] in
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
            func field(_ key: String) -> String { (object[key] as? String) ?? "" }
            let success = (object["success"] as? Bool) == true
            return [field("time"), field("type"), field("code"), field("method"), field("token_name"), field("role"),
                    field("node_name"), field("host_id"), field("remote_address"), success ? "success" : "failure: " + field("reason")]
        }
        guard !rows.isEmpty else { return emptyMessage }
        return TextTable(headers: headers, rows: rows).render()
    }
}
