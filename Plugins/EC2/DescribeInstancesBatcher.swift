import AWSKit
import JoinCore
import Logging
import Synchronization

/// Coalesces concurrent instance lookups of one scope (credentials and region) into shared
/// `DescribeInstances` requests, so a fleet joining at once spends one request per hundred
/// instances instead of one each.
///
/// A lookup joins the open batch of its scope, or opens one. A batch is sent when it holds
/// ``DescribeInstancesBatchPolicy/maximumIDsPerCall`` distinct instances or when its
/// coalescing window ends, whichever is first, so the first lookup waits at most the window.
/// Requests are paced per account and region (``DescribeInstancesPacer``): a batch whose
/// window ends while its scope has spent its budget stays open, taking more lookups, until
/// its turn comes, so in a storm batches grow rather than queue. Requests are retried with
/// jittered backoff while AWS throttles them (`DescribeInstancesBatcher+Sending.swift`).
///
/// Each waiting join gets its own verdict: the state of its instance, nil when EC2 did not
/// list it, or, when the shared request fails, the error its own request would have got.
///
/// The batcher owns the tasks that time windows and send batches; each ends on its own
/// (bounded by the window, the pacing and the request timeout), and ``drain()`` waits for all.
/// A join that stops waiting does not cancel the request others share.
public final class DescribeInstancesBatcher: Sendable {
    public let policy: DescribeInstancesBatchPolicy
    let api: any DescribeInstancesAPI
    let pacer: DescribeInstancesPacer
    let logger: Logger
    let state = Mutex(State())

    struct State {
        /// The batch of each scope that is taking lookups.
        var open: [InstanceLookupScope: PendingInstanceBatch] = [:]
        /// Batches closed to lookups (full) that wait for their turn to be sent.
        var full: [UInt64: PendingInstanceBatch] = [:]
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var lastID: UInt64 = 0
        var counters = DescribeInstancesCounters()

        /// Counts in this batcher's counters and in the process-wide ones.
        mutating func count(_ update: (inout DescribeInstancesCounters) -> Void) {
            update(&counters)
            DescribeInstancesCounters.processWideTotals.withLock { update(&$0) }
        }

        mutating func nextID() -> UInt64 {
            lastID += 1
            return lastID
        }
    }

    public init(api: any DescribeInstancesAPI, policy: DescribeInstancesBatchPolicy = .init(),
                logger: Logger = Logger(label: "joinery.ec2.describe_instances")) {
        self.api = api
        self.policy = policy
        self.logger = logger
        pacer = DescribeInstancesPacer(callsPerSecond: policy.callsPerSecond, burst: policy.burst)
    }

    /// Everything counted so far.
    public var counters: DescribeInstancesCounters { state.withLock { $0.counters } }

    /// `DescribeInstances` requests sent to AWS so far, retries and further pages included.
    public var describeCalls: Int { counters.calls }

    /// Requests AWS throttled so far.
    public var throttledCalls: Int { counters.throttled }

    /// The state of `instanceID` as EC2 reports it in `scope`, or nil when EC2 does not list it.
    ///
    /// - Throws: `JoinError.badParameter` for something that is not an instance ID (before it
    ///   can spoil a batch); otherwise whatever the shared request failed with, typically an
    ///   ``AWSServiceError``.
    public func state(ofInstance instanceID: String, in scope: InstanceLookupScope) async throws -> EC2InstanceState? {
        try EC2Client.validateInstanceID(instanceID)
        return try await withCheckedThrowingContinuation { waiter in
            enqueue(instanceID, in: scope, waiter)
        }
    }

    /// Waits until every batch opened so far has been sent and answered.
    public func drain() async {
        while true {
            let tasks = state.withLock { Array($0.tasks.values) }
            if tasks.isEmpty { return }
            for task in tasks { await task.value }
        }
    }

    private func enqueue(_ instanceID: String, in scope: InstanceLookupScope, _ waiter: PendingInstanceBatch.Waiter) {
        state.withLock { state in
            state.count { $0.lookups += 1 }
            var batch = state.open.removeValue(forKey: scope) ?? openBatch(in: scope, &state)
            batch.add(instanceID, waiter)
            guard batch.instanceIDs.count >= policy.maximumIDsPerCall else {
                state.open[scope] = batch
                return
            }
            batch.windowTimer?.cancel()
            // A batch that already has a turn coming waits for it; the task waiting sends it.
            if batch.hasTurn || !takeTurn(for: &batch, &state) {
                state.full[batch.id] = batch
            }
        }
    }

    /// A new batch for `scope`, with the timer that ends its window.
    private func openBatch(in scope: InstanceLookupScope, _ state: inout State) -> PendingInstanceBatch {
        var batch = PendingInstanceBatch(id: state.nextID(), scope: scope)
        let batchID = batch.id
        let window = policy.window
        batch.windowTimer = own(&state) { batcher in
            // Cancelled when the batch fills first; then the batch is already on its way.
            try? await Task.sleep(for: window)
            batcher.windowEnded(batchID, in: scope)
        }
        return batch
    }

    /// The window is over: the batch goes now if its scope may send now. Otherwise it stays
    /// open, taking more lookups, until its turn comes: waiting costs no one anything extra,
    /// and in a storm that has used up the budget, batches grow instead of queueing.
    private func windowEnded(_ batchID: UInt64, in scope: InstanceLookupScope) {
        state.withLock { state in
            guard var batch = state.open[scope], batch.id == batchID else { return }
            state.open[scope] = takeTurn(for: &batch, &state) ? nil : batch
        }
    }

    /// Reserves the scope's next turn for `batch`. If the turn is now, sends the batch and
    /// returns true; otherwise marks it as having a turn, starts the task that sends it when
    /// the turn comes, and returns false: the caller keeps the batch, open or full.
    private func takeTurn(for batch: inout PendingInstanceBatch, _ state: inout State) -> Bool {
        let wait = pacer.reserve(for: batch.scope)
        guard wait > .zero else {
            startSending(batch, &state)
            return true
        }
        batch.hasTurn = true
        let batchID = batch.id
        let scope = batch.scope
        logger.debug("DescribeInstances batch waits for its turn", metadata: [
            "scope": "\(scope)", "wait": "\(wait)", "instances": "\(batch.instanceIDs.count)",
        ])
        _ = own(&state) { batcher in
            try? await Task.sleep(for: wait)
            batcher.turnCame(batchID, in: scope)
        }
        return false
    }

    private func turnCame(_ batchID: UInt64, in scope: InstanceLookupScope) {
        state.withLock { state in
            if let batch = state.full.removeValue(forKey: batchID) {
                startSending(batch, &state)
            } else if let batch = state.open[scope], batch.id == batchID {
                state.open[scope] = nil
                startSending(batch, &state)
            }
        }
    }

    /// Sends `batch`, whose first request has had its turn.
    private func startSending(_ batch: PendingInstanceBatch, _ state: inout State) {
        state.count { $0.batches += 1 }
        _ = own(&state) { batcher in await batcher.send(batch) }
    }

    /// Starts `work` as a task the batcher keeps until it ends, so ``drain()`` can wait for it.
    /// Called with the lock held, so the task cannot remove itself before it is recorded.
    private func own(_ state: inout State, _ work: @escaping @Sendable (DescribeInstancesBatcher) async -> Void) -> Task<Void, Never> {
        let taskID = state.nextID()
        let task = Task {
            await work(self)
            _ = self.state.withLock { $0.tasks.removeValue(forKey: taskID) }
        }
        state.tasks[taskID] = task
        return task
    }
}
