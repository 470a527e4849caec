import Foundation
import Synchronization

/// What the fleet's heartbeaters have told their observers (``Heartbeater/Observer``): per node,
/// when its last heartbeat was accepted and how many failed; overall, the reasons failures gave.
/// The benchmark reads it to know when every node is connected, to count the heartbeats of an
/// observation window, and to see when every node has been accepted again after a restart.
final class FleetHeartbeatTally: Sendable {
    /// Counts at one moment, for differences over a window.
    struct Snapshot {
        var successes: Int
        var failures: Int
        var failuresByNode: [Int]
        /// Heartbeaters whose `run()` returned or threw: nodes that gave up.
        var ended: Int
    }

    private struct State {
        var lastSuccess: [ContinuousClock.Instant?]
        var failuresByNode: [Int]
        var successes = 0
        var failures = 0
        var ended = 0
        var reasons: [String: Int] = [:]
    }

    /// How many distinct failure reasons are kept (a reason names no node, so few are expected).
    private static let reasonLimit = 20
    private let state: Mutex<State>

    init(nodes: Int) {
        state = Mutex(State(lastSuccess: Array(repeating: nil, count: nodes), failuresByNode: Array(repeating: 0, count: nodes)))
    }

    /// One heartbeat of `node`: accepted when `failure` is nil.
    func record(node: Int, failure: (any Error)?) {
        let now = ContinuousClock.now
        let reason = failure.map { String("\($0)".prefix(240)) }
        state.withLock { state in
            guard let reason else {
                state.lastSuccess[node] = now
                state.successes += 1
                return
            }
            state.failures += 1
            state.failuresByNode[node] += 1
            if state.reasons[reason] != nil || state.reasons.count < Self.reasonLimit { state.reasons[reason, default: 0] += 1 }
        }
    }

    func ended(node: Int) { state.withLock { $0.ended += 1 } }

    /// Nodes whose last accepted heartbeat came after `instant` (every node ever accepted: nil).
    func nodesAccepted(after instant: ContinuousClock.Instant?) -> Int {
        state.withLock { state in
            state.lastSuccess.reduce(0) { count, last in
                guard let last else { return count }
                return instant.map { last > $0 } ?? true ? count + 1 : count
            }
        }
    }

    func snapshot() -> Snapshot {
        state.withLock { Snapshot(successes: $0.successes, failures: $0.failures, failuresByNode: $0.failuresByNode, ended: $0.ended) }
    }

    /// The failure reasons so far, most frequent first.
    func reasons() -> [(reason: String, count: Int)] {
        state.withLock { $0.reasons }.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }
}
