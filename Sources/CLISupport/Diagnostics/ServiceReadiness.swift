import Synchronization

/// Whether a process can do its work now, as `/readyz` reports it.
public enum ReadinessVerdict: Sendable, Equatable {
    case ready
    /// Not ready, with a reason a person can act on (never a secret).
    case notReady(String)
}

/// One condition readiness depends on that is checked when asked, such as whether the
/// backend answers. A protocol because what must hold differs by service; the conditions
/// compose in ``ServiceReadiness``.
public protocol ReadinessCheck: Sendable {
    func verdict() async -> ReadinessVerdict
}

/// The readiness of a running `teleport` process: a state its service sets as it starts and
/// runs (the Auth server is listening, a node's last heartbeat was accepted), and the
/// ``ReadinessCheck``s added once their subjects exist, asked in order on every `/readyz`.
///
/// The service marks it rather than the endpoint inspecting the service because only the
/// service knows when it has reached the point that matters: the diagnostics server stays
/// ignorant of what runs beside it.
public final class ServiceReadiness: Sendable {
    private struct State {
        var blocker: String?
        var checks: [any ReadinessCheck] = []
    }

    private let state: Mutex<State>

    /// Starts not ready, for `reason`.
    public init(notReadyBecause reason: String) {
        state = Mutex(State(blocker: reason))
    }

    public func markReady() {
        state.withLock { $0.blocker = nil }
    }

    public func markNotReady(_ reason: String) {
        state.withLock { $0.blocker = reason }
    }

    /// Adds a condition that must also hold for the process to be ready.
    public func add(_ check: any ReadinessCheck) {
        state.withLock { $0.checks.append(check) }
    }

    /// Not ready for the service's own reason first, then for the first check that fails.
    public func verdict() async -> ReadinessVerdict {
        let (blocker, checks) = state.withLock { ($0.blocker, $0.checks) }
        if let blocker { return .notReady(blocker) }
        for check in checks {
            if case .notReady(let reason) = await check.verdict() { return .notReady(reason) }
        }
        return .ready
    }
}
