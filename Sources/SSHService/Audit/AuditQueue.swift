/// Hands audit events from NIO handlers (which must not wait) to the auditor (which may), in
/// order, through one task the server owns and drains on ``finish()``.
final class AuditQueue: Sendable {
    private let continuation: AsyncStream<SSHSessionEvent>.Continuation
    private let delivery: Task<Void, Never>

    init(auditor: any SSHSessionAuditor) {
        let (stream, continuation) = AsyncStream.makeStream(of: SSHSessionEvent.self)
        self.continuation = continuation
        delivery = Task {
            for await event in stream { await auditor.record(event) }
        }
    }

    func record(_ event: SSHSessionEvent) {
        continuation.yield(event)
    }

    /// Stops accepting events and waits until the auditor has every event recorded so far.
    func finish() async {
        continuation.finish()
        await delivery.value
    }

    deinit {
        continuation.finish()
    }
}
