import CLIKit

/// What `tctl status` reports about the cluster. As JSON or YAML (`--format`) it is one object:
/// `cluster_name`, `version`, `authorities` (each `type` and `last_updated`) and `ca_pins`.
public struct ClusterStatus: Sendable, Equatable, Encodable {
    public var clusterName: String
    /// The Auth server's version (from Ping).
    public var version: String
    /// One entry per local CA type, in the order to print.
    public var authorities: [AuthorityStatus]
    /// The CA pins (`sha256:…`), one row each.
    public var pins: [String]

    public init(clusterName: String, version: String, authorities: [AuthorityStatus], pins: [String]) {
        self.clusterName = clusterName
        self.version = version
        self.authorities = authorities
        self.pins = pins
    }

    private enum CodingKeys: String, CodingKey {
        case clusterName = "cluster_name", version, authorities, pins = "ca_pins"
    }
}

/// One CA's row in `tctl status`: its type (`host`, `user`, `db`, …) and its rotation state
/// as text (`never updated`), or the error that stopped it from loading. JSON and YAML call the
/// rotation text `last_updated`, as the table shows it.
public struct AuthorityStatus: Sendable, Equatable, Encodable {
    public var type: String
    public var rotation: String

    /// The rotation text of a CA that was never rotated.
    public static let neverUpdated = "never updated"

    public init(type: String, rotation: String = AuthorityStatus.neverUpdated) {
        self.type = type
        self.rotation = rotation
    }

    private enum CodingKeys: String, CodingKey {
        case type, rotation = "last_updated"
    }
}

/// The `tctl status` output (spec §11): a headless two-column table with `Cluster`,
/// `Version`, one `<type> CA` row per CA and one `CA pin` row per pin; or, with `--format
/// json|yaml`, the ``ClusterStatus`` as one document.
public enum ClusterStatusOutput {
    /// The output for `--format`: the table for none or `text`.
    public static func render(_ status: ClusterStatus, format: OutputFormat) throws -> String {
        try format.render(document: status) { table(status) }
    }

    public static func table(_ status: ClusterStatus) -> String {
        var rows = [["Cluster", status.clusterName], ["Version", status.version]]
        // Teleport labels CA rows "<type> CA " with a trailing space; it sets the width of the
        // first column, so the values line up exactly as in Teleport's documented output.
        rows += status.authorities.map { ["\($0.type) CA ", $0.rotation] }
        rows += status.pins.map { ["CA pin", $0] }
        return TextTable.headless(rows: rows).render()
    }
}
