import AWSKit
import Logging

/// Sending a batch: one request per page, each paced and retried while AWS throttles it.
/// The batch's first request was paced before it was sent for (its turn was taken while it
/// could still grow); later pages and retries wait for turns of their own.
extension DescribeInstancesBatcher {
    /// Sends `batch`, whose first request has had its turn, and answers every lookup in it.
    func send(_ batch: PendingInstanceBatch) async {
        let scope = batch.scope
        logger.debug("sending DescribeInstances batch", metadata: [
            "scope": "\(scope)", "lookups": "\(batch.lookups)", "instances": "\(batch.instanceIDs.count)",
        ])
        do {
            var found: [String: EC2InstanceState] = [:]
            var nextToken: String?
            var pages = 0
            repeat {
                let page = try await call(batch.instanceIDs, in: scope, nextToken: nextToken, hasTurn: pages == 0)
                for state in page.states where batch.isAsking(about: state.instanceID) {
                    found[state.instanceID] = state
                }
                nextToken = page.nextToken
                pages += 1
            } while nextToken != nil && pages < policy.maximumPages
            batch.deliver(found)
        } catch {
            state.withLock { $0.count { $0.failedBatches += 1 } }
            logger.debug("DescribeInstances batch failed", metadata: [
                "scope": "\(scope)", "lookups": "\(batch.lookups)", "error": "\(error)",
            ])
            batch.fail(error)
        }
    }

    /// One page: waits for the scope's turn (unless `hasTurn`), sends, and on throttling
    /// backs off and tries again, with a turn of its own, up to
    /// ``DescribeInstancesBatchPolicy/maximumAttempts`` tries in all.
    private func call(_ instanceIDs: [String], in scope: InstanceLookupScope, nextToken: String?, hasTurn: Bool) async throws -> EC2InstancePage {
        var failures = 0
        while true {
            let waited = hasTurn && failures == 0 ? .zero : try await pacer.waitForTurn(for: scope)
            state.withLock { $0.count { $0.calls += 1 } }
            let started = ContinuousClock.now
            do {
                let page = try await api.describeInstances(instanceIDs, in: scope, nextToken: nextToken)
                logger.debug("DescribeInstances answered", metadata: [
                    "scope": "\(scope)", "instances": "\(instanceIDs.count)", "listed": "\(page.states.count)",
                    "paced": "\(waited)", "took": "\(started.duration(to: .now))",
                ])
                return page
            } catch let error as AWSServiceError where error.isThrottling {
                failures += 1
                state.withLock { $0.count { $0.throttled += 1 } }
                guard failures < policy.maximumAttempts else {
                    logger.debug("DescribeInstances still throttled; giving up", metadata: [
                        "scope": "\(scope)", "attempts": "\(failures)", "code": "\(error.code)",
                    ])
                    throw error
                }
                let delay = policy.backoff.delay(afterFailures: failures)
                logger.debug("DescribeInstances throttled; backing off", metadata: [
                    "scope": "\(scope)", "attempt": "\(failures)", "code": "\(error.code)", "status": "\(error.status)",
                    "retry_in": "\(delay)",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }
}
