/// Nodes as `kind: node` documents for `tctl nodes ls --format json|yaml`.
///
/// The fields are escaped like the table's (``NodeSummary/escapedForTerminal``): JSON and
/// YAML encoders quote control characters, but `jq -r` or a shell loop over the output would
/// print them raw again, so a heartbeat's terminal escapes never leave `tctl` in any format.
public enum NodeDocuments {
    struct Document: Encodable {
        struct Metadata: Encodable { var name: String; var labels: [String: String] }
        struct Spec: Encodable {
            var hostname: String
            var addr: String
            var version: String
            /// The label keys the admitting token binds; left out when there are none.
            var boundLabels: [String]?

            enum CodingKeys: String, CodingKey { case hostname, addr, version, boundLabels = "bound_labels" }
        }
        var kind = "node"
        var version = "v2"
        var metadata: Metadata
        var spec: Spec
    }

    static func documents(_ nodes: [NodeSummary]) -> [Document] {
        nodes.map(\.escapedForTerminal).map {
            Document(metadata: .init(name: $0.hostID, labels: $0.labels),
                     spec: .init(hostname: $0.hostname, addr: $0.address, version: $0.version,
                                 boundLabels: $0.boundLabelKeys.isEmpty ? nil : $0.boundLabelKeys.sorted()))
        }
    }

    public static func json(_ nodes: [NodeSummary]) throws -> String { try ResourceDocuments.json(documents(nodes)) }

    public static func yaml(_ nodes: [NodeSummary]) throws -> String { try ResourceDocuments.yaml(documents(nodes)) }
}
