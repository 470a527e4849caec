import Metrics

/// The node inventory's metric: `joinery_connected_nodes`, a gauge of the nodes whose
/// heartbeat has not expired, refreshed by the Auth server every
/// ``AuthServerSettings/connectedNodesRefreshInterval``.
///
/// It is a periodic count rather than a value kept up to date on every heartbeat because a
/// node drops out by expiring, which no call announces; with several Auth servers on one
/// backend each reports the whole cluster's count.
public enum InventoryMetrics {
    /// Gauge, no labels.
    public static let connectedNodes = "joinery_connected_nodes"

    /// Counts the live nodes and publishes the count; a failed count leaves the last value.
    public static func refreshConnectedNodes(_ nodes: NodeRegistry) async {
        guard let count = try? await nodes.liveCount() else { return }
        Gauge(label: connectedNodes).record(count)
    }
}
