import Agent
import Foundation
import Logging
import Transport

/// N joined nodes heartbeating as the product's nodes do: each runs its own ``Heartbeater``
/// (one mTLS connection per node, the product's reconnect backoff), told to a
/// ``FleetHeartbeatTally``. The first beats are spread at random over `spread` (whole
/// intervals), as a fleet that started at different times is, so the Auth server sees a steady
/// rate rather than N beats in step. The heartbeaters run while `body` runs, and are cancelled when it returns.
enum FleetHeartbeats {
    static func run<T>(identities: [Identity], address: AuthAddress, interval: Duration, spread: Duration,
                                 tally: FleetHeartbeatTally, while body: () async throws -> T) async throws -> T {
        let logger = Logger(label: "fleet-node")
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            for (node, identity) in identities.enumerated() {
                let heartbeater = Heartbeater(
                    identity: identity, authServers: [address],
                    announcement: .init(hostname: identity.nodeName, address: "10.\(node / 65_536 % 256).\(node / 256 % 256).\(node % 256):3022",
                                        labels: ["fleet": "bench"]),
                    interval: interval, logger: logger, observer: { tally.record(node: node, failure: $0) })
                group.addTask {
                    try? await Task.sleep(for: spread * Double.random(in: 0..<1))
                    try? await heartbeater.run()
                    if !Task.isCancelled { tally.ended(node: node) }
                }
            }
            do {
                let result = try await body()
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
