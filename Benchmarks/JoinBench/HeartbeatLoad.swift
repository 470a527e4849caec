import Foundation
import JoinCore
import TestSupport

/// 10,000 registered nodes heartbeating: each round records one heartbeat per node through the
/// Auth server's node registry and SQLite backend (the path every heartbeat RPC ends in), 64
/// at a time. The mTLS connections of 10,000 real nodes are left out: on two cores the load
/// generator's own TLS would dominate what is measured.
struct HeartbeatLoad {
    var nodes: Int
    var rounds: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    var rssAfterMiB: Double
    var listedNodes: Int

    var heartbeatsPerSecond: Double { Double(nodes * rounds) / wallSeconds }

    static func run(cluster: TestCluster, nodes: Int, rounds: Int, concurrency: Int = 64) async throws -> HeartbeatLoad {
        let registry = cluster.server.nodes
        let hostIDs = (0..<nodes).map { _ in UUID().uuidString.lowercased() }
        let measured = try await JoinBench.measure {
            for _ in 0..<rounds {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (offset, chunk) in stride(from: 0, to: nodes, by: max(1, nodes / concurrency)).enumerated() {
                        let slice = hostIDs[chunk..<min(nodes, chunk + max(1, nodes / concurrency))]
                        group.addTask {
                            for hostID in slice {
                                _ = try await registry.heartbeat(
                                    hostID: hostID, hostname: "node-\(offset)", address: "10.0.0.1:3022", version: "bench",
                                    labels: ["env": "bench"], roles: ["Node"])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        let listed = try await registry.list().count
        return HeartbeatLoad(nodes: nodes, rounds: rounds, wallSeconds: measured.wallSeconds, cpuSeconds: measured.cpuSeconds,
                             rssAfterMiB: ProcessUsage.currentRSSMiB(), listedNodes: listed)
    }
}
