/// Nodes as `kind: node` documents for `tctl nodes ls --format json|yaml`.
///
/// The fields are escaped like the table's (``NodeSummary/escapedForTerminal``): JSON and
/// YAML encoders quote control characters, but `jq -r` or a shell loop over the output would
/// print them raw again, so a heartbeat's terminal escapes never leave `tctl` in any format.
public enum NodeDocuments {
    struct Document: Encodable {
        struct Metadata: Encodable { var name: String; var labels: [String: String] }
        struct Spec: Encodable { var hostname: String; var addr: String; var version: String }
        var kind = "node"
        var version = "v2"
        var metadata: Metadata
        var spec: Spec
    }

    static func documents(_ nodes: [NodeSummary]) -> [Document] {
        nodes.map(\.escapedForTerminal).map {
            Document(metadata: .init(name: $0.hostID, labels: $0.labels),
                     spec: .init(hostname: $0.hostname, addr: $0.address, version: $0.version))
        }
    }

    public static func json(_ nodes: [NodeSummary]) throws -> String { try ResourceDocuments.json(documents(nodes)) }

    public static func yaml(_ nodes: [NodeSummary]) throws -> String { try ResourceDocuments.yaml(documents(nodes)) }
}
