import Synchronization

/// What one join attempt has established so far: the audit record as it fills in, the
/// attempt's place under the concurrent-stream cap and when `ClientInit` arrived. The pipeline's
/// stages write it; ``JoinPipeline/run(_:remoteAddress:presentedCertificate:)`` reads it when the
/// attempt ends, however it ends.
final class JoinAttemptLedger: Sendable {
    private struct State {
        var record: JoinAuditRecord
        var slot: ConcurrentJoinLimiter.Slot?
        var clientInitReceived: ContinuousClock.Instant?
    }

    private let state: Mutex<State>

    init(remoteAddress: String) {
        state = Mutex(State(record: JoinAuditRecord(remoteAddress: remoteAddress)))
    }

    /// Changes the audit record.
    func update(_ change: (inout JoinAuditRecord) -> Void) {
        state.withLock { change(&$0.record) }
    }

    /// The audit record as it stands.
    var record: JoinAuditRecord { state.withLock { $0.record } }

    /// Keeps the attempt's place under the concurrent-stream cap, given back when it ends.
    func hold(_ slot: ConcurrentJoinLimiter.Slot) {
        state.withLock { $0.slot = slot }
    }

    /// The attempt's place under the concurrent-stream cap, once it has one.
    var slot: ConcurrentJoinLimiter.Slot? { state.withLock { $0.slot } }

    /// Notes that `ClientInit` arrived now: token refusals are timed from here.
    func clientInitArrived() {
        let now = ContinuousClock.now
        state.withLock { $0.clientInitReceived = now }
    }

    /// When `ClientInit` arrived, if it has.
    var clientInitReceived: ContinuousClock.Instant? { state.withLock { $0.clientInitReceived } }
}
