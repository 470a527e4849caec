import AWSKit

/// The lookups of one scope waiting for the same `DescribeInstances` request: each distinct
/// instance ID once, in the order first asked, and for each ID every join waiting on it.
///
/// Verdicts are handed out by instance ID, never by position, so an instance missing from the
/// response is "not found" for the joins that asked about it and for no one else.
struct PendingInstanceBatch: Sendable {
    typealias Waiter = CheckedContinuation<EC2InstanceState?, any Error>

    let id: UInt64
    let scope: InstanceLookupScope
    /// Distinct IDs, in the order first asked.
    private(set) var instanceIDs: [String] = []
    private var waiters: [String: [Waiter]] = [:]
    private(set) var lookups = 0
    /// Ends the coalescing window; cancelled if the batch fills first.
    var windowTimer: Task<Void, Never>?
    /// Whether the scope's turn to send has been reserved for this batch (it is then sent
    /// when the turn comes, full or not).
    var hasTurn = false

    init(id: UInt64, scope: InstanceLookupScope) {
        self.id = id
        self.scope = scope
    }

    mutating func add(_ instanceID: String, _ waiter: Waiter) {
        if waiters[instanceID] == nil { instanceIDs.append(instanceID) }
        waiters[instanceID, default: []].append(waiter)
        lookups += 1
    }

    func isAsking(about instanceID: String) -> Bool { waiters[instanceID] != nil }

    /// Answers every waiter with its own instance's state, or nil when `found` lacks it.
    func deliver(_ found: [String: EC2InstanceState]) {
        for (instanceID, waiting) in waiters {
            for waiter in waiting { waiter.resume(returning: found[instanceID]) }
        }
    }

    /// Fails every waiter with `error`: the request they shared failed, so each gets what its
    /// own request would have got.
    func fail(_ error: any Error) {
        for waiting in waiters.values {
            for waiter in waiting { waiter.resume(throwing: error) }
        }
    }
}
