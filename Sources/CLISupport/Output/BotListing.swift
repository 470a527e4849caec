import CLIKit
import JoinCore

/// `tctl bots ls`: a `Bot`/`Roles` table, or with `--format json|yaml` the bot resources
/// themselves (`kind: bot`), the documents `tctl get bots` prints, so a script reads one shape.
public enum BotListing {
    public static let headers = ["Bot", "Roles"]

    /// The output for `--format`: the table for none or `text`.
    public static func render(_ bots: [JSONValue], format: OutputFormat) throws -> String {
        try format.render(documents: bots) { table(bots) }
    }

    /// One row per bot: its name and its roles, comma-separated.
    public static func table(_ bots: [JSONValue]) -> String {
        let rows = bots.map { bot in
            [bot["metadata"]?["name"]?.stringValue ?? "", roles(of: bot).joined(separator: ",")]
        }
        return TextTable(headers: headers, rows: rows).render()
    }

    static func roles(of bot: JSONValue) -> [String] {
        guard case .array(let roles)? = bot["spec"]?["roles"] else { return [] }
        return roles.compactMap(\.stringValue)
    }
}
