import CLIKit
import Foundation
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
    /// When the Auth server last heard the node's heartbeat; `nil` when it did not say.
    public var lastSeen: Date?
    /// The keys of ``labels`` the token that admitted the node binds (its reports cannot change them).
    public var boundLabelKeys: Set<String>

    public init(hostname: String, hostID: String, address: String = "", labels: [String: String] = [:], version: String,
                lastSeen: Date? = nil, boundLabelKeys: Set<String> = []) {
        self.hostname = hostname
        self.hostID = hostID
        self.address = address
        self.labels = labels
        self.version = version
        self.lastSeen = lastSeen
        self.boundLabelKeys = boundLabelKeys
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
                           labels: labels, version: escaped(version), lastSeen: lastSeen,
                           boundLabelKeys: Set(boundLabelKeys.map(escaped)))
    }
}

/// The `tctl nodes ls` table (spec §11): Teleport's `Host`, `UUID`, `Public Address`, `Labels`,
/// `Version`, then `Last Seen` (when the node last heartbeated, which Teleport leaves out and a
/// newcomer asks first), sorted by host name, every field escaped for the terminal.
public enum NodeListing {
    public static let headers = ["Host", "UUID", "Public Address", "Labels", "Version", "Last Seen"]

    /// The output for `--format`: the table for none or `text`, else ``NodeDocuments``.
    public static func render(_ nodes: [NodeSummary], format: OutputFormat, labelsWidth: Int? = nil, now: Date = Date()) throws -> String {
        try format.render(documents: NodeDocuments.documents(nodes)) { table(nodes, labelsWidth: labelsWidth, now: now) }
    }

    /// - Parameters:
    ///   - labelsWidth: cut the Labels column to this width; `nil` (`--verbose`) shows it all.
    ///   - now: the time `Last Seen` counts back from.
    public static func table(_ nodes: [NodeSummary], labelsWidth: Int? = nil, now: Date = Date()) -> String {
        let sorted = nodes.map(\.escapedForTerminal).sorted { ($0.hostname, $0.hostID) < ($1.hostname, $1.hostID) }
        let rows = sorted.map { node in
            [node.hostname, node.hostID, node.address, labelsText(node), node.version,
             lastSeenText(node.lastSeen, now: now)]
        }
        let table = TextTable(headers: headers, rows: rows)
        let rendered = labelsWidth.map { table.truncating(column: 3, toWidth: $0).render() } ?? table.render()
        guard sorted.contains(where: { !$0.boundLabelKeys.isEmpty }) else { return rendered }
        return rendered + boundLabelsNote + "\n"
    }

    /// Under a table where some label is bound.
    public static let boundLabelsNote = "* bound by the token the node joined with; what the node reports does not change it"

    /// `k=v,k2=v2`, a bound label marked `k=v*`.
    static func labelsText(_ node: NodeSummary) -> String {
        node.labels.keys.filter { !$0.hasPrefix("teleport.internal/") }.sorted().map { key in
            "\(key)=\(node.labels[key] ?? "")" + (node.boundLabelKeys.contains(key) ? "*" : "")
        }.joined(separator: ",")
    }

    /// `30 Mar 23 18:15 UTC (12s ago)`: the time in the layout of `tctl tokens ls`, then how long
    /// ago to the second (never negative, whatever the clocks say); `unknown` without a time.
    public static func lastSeenText(_ lastSeen: Date?, now: Date) -> String {
        guard let lastSeen else { return "unknown" }
        let ago = GoDurationText.format(seconds: max(0, now.timeIntervalSince(lastSeen)))
        return "\(ExpiryText.rfc822(lastSeen)) (\(ago) ago)"
    }
}
