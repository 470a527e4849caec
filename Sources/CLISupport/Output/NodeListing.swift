import JoinCore

/// One SSH node as `tctl nodes ls` shows it: what its heartbeat said.
public struct NodeSummary: Sendable, Equatable {
    /// `spec.hostname`: the node name.
    public var hostname: String
    /// The resource name: the host UUID issued at join.
    public var hostID: String
    /// `spec.addr`; empty for nodes reached through a reverse tunnel.
    public var address: String
    public var labels: [String: String]
    public var version: String

    public init(hostname: String, hostID: String, address: String = "", labels: [String: String] = [:], version: String) {
        self.hostname = hostname
        self.hostID = hostID
        self.address = address
        self.labels = labels
        self.version = version
    }
}

extension NodeSummary {
    /// Every field as it may reach a terminal: the strings come from the node's heartbeat, so
    /// control characters and terminal escapes are shown escaped
    /// (``JoinCore/UntrustedString/escapedForTerminal(_:maximumLength:)``) and each field is
    /// bounded, whatever the Auth server stored.
    public var escapedForTerminal: NodeSummary {
        func escaped(_ text: String) -> String { UntrustedString.escapedForTerminal(text, maximumLength: 256) }
        var labels: [String: String] = [:]
        for (key, value) in self.labels { labels[escaped(key)] = escaped(value) }
        return NodeSummary(hostname: escaped(hostname), hostID: escaped(hostID), address: escaped(address),
                           labels: labels, version: escaped(version))
    }
}

/// The `tctl nodes ls` table (spec §11): `Host`, `UUID`, `Public Address`, `Labels`, `Version`,
/// sorted by host name, every field escaped for the terminal.
public enum NodeListing {
    public static let headers = ["Host", "UUID", "Public Address", "Labels", "Version"]

    /// - Parameter labelsWidth: cut the Labels column to this width; `nil` (`--verbose`) shows it all.
    public static func table(_ nodes: [NodeSummary], labelsWidth: Int? = nil) -> String {
        let sorted = nodes.map(\.escapedForTerminal).sorted { ($0.hostname, $0.hostID) < ($1.hostname, $1.hostID) }
        let rows = sorted.map { node in
            [node.hostname, node.hostID, node.address, LabelsText.format(node.labels), node.version]
        }
        let table = TextTable(headers: headers, rows: rows)
        guard let labelsWidth else { return table.render() }
        return table.truncating(column: 3, toWidth: labelsWidth).render()
    }
}
