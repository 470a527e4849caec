import Foundation
import JoinCore

/// `joinery-bench fleet [--nodes 10000] [--interval 30] [--observe 120] [--join-concurrency 64]
/// [--connect-rate 100]`: how many nodes, their heartbeat interval (the product's default is
/// 30 s, `JOINERY_HEARTBEAT_INTERVAL`), how long the steady state is observed, how many nodes
/// join at once while the fleet is set up, and how many start heartbeating per second.
///
/// The connect rate exists because the generator shares the machine: 10,000 nodes starting
/// within one 30 s interval cost 333 TLS handshakes a second on both ends on top of their
/// beats, which saturates two cores; beats then miss their 10 s deadline, the nodes reconnect,
/// and the fleet never settles. A real fleet is rolled out more slowly than that; the restart
/// is where a storm is measured.
struct FleetOptions {
    var nodes = 10_000
    var intervalSeconds = 30.0
    var observeSeconds = 120.0
    var joinConcurrency = 64
    var connectRate = 100.0

    var interval: Duration { .milliseconds(Int64(intervalSeconds * 1000)) }

    /// How long the first beats of `nodes` are spread over: whole intervals (so every node's
    /// phase within the interval stays uniform), as many as keep starts under ``connectRate``.
    func spread(nodes: Int) -> Duration {
        interval * max(1, (Double(nodes) / connectRate / intervalSeconds).rounded(.up))
    }

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard let text = iterator.next(), let value = Double(text), value > 0 else {
                throw JoinError.badParameter("fleet: \(name) needs a positive number")
            }
            switch name {
            case "--nodes": nodes = Int(value)
            case "--interval": intervalSeconds = value
            case "--observe": observeSeconds = value
            case "--join-concurrency": joinConcurrency = Int(value)
            case "--connect-rate": connectRate = value
            default: throw JoinError.badParameter("fleet: unknown option \(name) (--nodes, --interval, --observe, --join-concurrency, --connect-rate)")
            }
        }
    }
}
