import Foundation
import Synchronization
import Transport

/// What one ``Heartbeater`` loop remembers across its connections and streams: the outage in
/// progress (for "heartbeat recovered") and the server the last "heartbeating to" line named.
/// Shared with the stream's answer handler, which runs in a task of its own.
final class HeartbeatProgress: Sendable {
    private struct State {
        var outage = HeartbeatOutage()
        var announcedTo: AuthAddress?
        /// Whether a beat was accepted since the last failure.
        var connected = false
    }

    private let state = Mutex(State())

    /// Records a failure now; returns how many failed in a row, and whether this one ended a
    /// run of accepted beats (a connection that was working, lost).
    @discardableResult
    func failed() -> (failures: Int, lostConnection: Bool) {
        state.withLock { state in
            state.outage.failed(at: Date())
            defer { state.connected = false }
            return (state.outage.failures, state.connected)
        }
    }

    /// Records a beat accepted by `server`: the outage it ended, if any, and whether `server`
    /// is not the one last announced.
    func succeeded(with server: AuthAddress) -> (ended: HeartbeatOutage?, isNewServer: Bool) {
        state.withLock { state in
            let ended = state.outage.succeeded()
            let isNew = state.announcedTo != server
            state.announcedTo = server
            state.connected = true
            return (ended, isNew)
        }
    }
}
