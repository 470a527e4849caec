import Foundation

/// The heartbeats that failed in a row, and since when, so that the first one accepted after
/// them can say that the node is back ("heartbeat recovered") and how long it was not.
///
/// A value kept by one heartbeat loop: failures are counted until a success ends the outage.
public struct HeartbeatOutage: Sendable, Equatable {
    /// How many heartbeats (or connection attempts) failed in a row.
    public private(set) var failures = 0
    /// When the first of them failed; `nil` while heartbeats succeed.
    public private(set) var since: Date?

    public init() {}

    /// Records one failure at `now`.
    public mutating func failed(at now: Date) {
        if since == nil { since = now }
        failures += 1
    }

    /// Records a success: returns the outage it ends, or `nil` when there was none.
    public mutating func succeeded() -> HeartbeatOutage? {
        guard failures > 0 else { return nil }
        let ended = self
        self = HeartbeatOutage()
        return ended
    }
}
