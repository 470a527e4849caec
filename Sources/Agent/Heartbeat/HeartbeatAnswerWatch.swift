import Foundation
import JoinCore
import Synchronization

/// Notices a heartbeat stream whose server stopped answering: each heartbeat sent on the stream
/// must be answered within `timeout`, as a single Heartbeat call must finish within its
/// deadline. ``watch(address:)`` sleeps until the pending beat's deadline (never polls), so a
/// fleet of heartbeaters costs one wake-up per interval each; a silent server is noticed
/// within one interval plus the timeout.
final class HeartbeatAnswerWatch: Sendable {
    private struct State {
        /// Beats sent and not yet answered.
        var pending = 0
        /// Since when the oldest unanswered beat has waited (nil: none is pending).
        var pendingSince: ContinuousClock.Instant?
    }

    let timeout: Duration
    /// How long to sleep while no beat is pending (the heartbeat interval).
    let idle: Duration
    private let state = Mutex(State())

    init(timeout: Duration, idle: Duration) {
        self.timeout = timeout
        self.idle = idle
    }

    /// A beat went out; the wait of an older unanswered one is not reset by it.
    func sent() {
        state.withLock { state in
            state.pending += 1
            if state.pendingSince == nil { state.pendingSince = .now }
        }
    }

    /// An answer came; the next unanswered beat, if any, waits from now.
    func answered() {
        state.withLock { state in
            state.pending = max(state.pending - 1, 0)
            state.pendingSince = state.pending > 0 ? .now : nil
        }
    }

    /// Returns only by throwing: `unavailable` once a beat has waited `timeout` for its answer,
    /// `CancellationError` when the stream ends.
    func watch(address: String) async throws {
        while true {
            let since = state.withLock { $0.pendingSince }
            guard let since else {
                try await Task.sleep(for: idle)
                continue
            }
            try await Task.sleep(until: since + timeout, clock: .continuous)
            if state.withLock({ $0.pendingSince == since && $0.pending > 0 }) {
                throw JoinError.unavailable("the Auth server at \(address) did not answer a heartbeat within \(GoDuration.spoken(timeout))")
            }
        }
    }
}
