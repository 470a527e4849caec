import Agent
import Foundation
import JoinCore
import Logging
import StaticJoin
import TokenJoin
import Transport

/// The fleet's nodes joining, each for an identity of its own: real `token` joins with the CA
/// pin, `concurrency` at a time (a fleet being rolled out, not a storm). A node whose join
/// fails is retried once; the fleet is what joined.
struct FleetJoin {
    var identities: [Identity]
    var failed: Int
    var wallSeconds: Double
    var firstError: String?

    static func run(handoff: FleetAuthHandoff, address: AuthAddress, nodes: Int, concurrency: Int) async throws -> FleetJoin {
        let client = JoinClient(registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]),
                                logger: Logger(label: "fleet-join"))
        let pins = try handoff.pins.map { try CAPin(parsing: $0) }
        let start = ContinuousClock.now
        @Sendable func join(_ node: Int) async -> Result<Identity, any Error> {
            let parameters = JoinParameters(authServer: address, tokenName: handoff.token, method: "token", role: .node,
                                            nodeName: "fleet-\(node)", caPins: pins)
            do { return .success(try await client.join(parameters)) } catch {
                do { return .success(try await client.join(parameters)) } catch { return .failure(error) }
            }
        }
        var identities: [Identity] = []
        var failures: [String] = []
        await withTaskGroup(of: Result<Identity, any Error>.self) { group in
            var next = 0
            while next < min(concurrency, nodes) {
                let node = next
                group.addTask { await join(node) }
                next += 1
            }
            for await result in group {
                switch result {
                case .success(let identity): identities.append(identity)
                case .failure(let error): failures.append("\(error)")
                }
                if next < nodes {
                    let node = next
                    group.addTask { await join(node) }
                    next += 1
                }
            }
        }
        return FleetJoin(identities: identities, failed: failures.count, wallSeconds: (ContinuousClock.now - start).seconds,
                         firstError: failures.first)
    }

    var joinsPerSecond: Double { Double(identities.count) / max(wallSeconds, 1e-9) }
}
