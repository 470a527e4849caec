import AWSKit
import EC2Join
import Foundation
import TestSupport
import XCTest

/// The token bucket that keeps `DescribeInstances` within AWS's budget per account and region:
/// reservations computed at made-up instants (no sleeps), and one run against moto that checks
/// the spacing of real requests with a loose lower bound only.
final class DescribeInstancesPacingTests: XCTestCase {
    private let start = ContinuousClock.now

    private func at(_ seconds: Double) -> ContinuousClock.Instant { start.advanced(by: .seconds(seconds)) }

    func testBucketGrantsItsBurstAtOnceThenOneTokenPerInterval() {
        var bucket = TokenBucket(tokensPerSecond: 20, capacity: 20, now: at(0))
        let burst = (0..<20).map { _ in bucket.reserve(at: at(0)) }
        XCTAssertEqual(burst, Array(repeating: .zero, count: 20), "a full bucket grants its burst without waiting")
        XCTAssertEqual(bucket.reserve(at: at(0)), .milliseconds(50), "the 21st waits one interval (1/20 s)")
        XCTAssertEqual(bucket.reserve(at: at(0)), .milliseconds(100), "the 22nd queues behind it")
    }

    func testReservationsQueueInTheOrderTheyWereAsked() {
        var bucket = TokenBucket(tokensPerSecond: 4, capacity: 1, now: at(0))
        let waits = (0..<4).map { _ in bucket.reserve(at: at(0)) }
        XCTAssertEqual(waits, [.zero, .milliseconds(250), .milliseconds(500), .milliseconds(750)])
    }

    func testBucketRefillsWithTimeButNoFurtherThanItsCapacity() {
        var bucket = TokenBucket(tokensPerSecond: 10, capacity: 2, now: at(0))
        _ = bucket.reserve(at: at(0))
        _ = bucket.reserve(at: at(0))
        XCTAssertEqual(bucket.reserve(at: at(0.1)), .zero, "one token came back after 0.1 s")
        // An hour of quiet refills two tokens, not 36,000.
        XCTAssertEqual(bucket.reserve(at: at(3600)), .zero)
        XCTAssertEqual(bucket.reserve(at: at(3600)), .zero)
        XCTAssertEqual(bucket.reserve(at: at(3600)), .milliseconds(100))
    }

    func testRolesOfOneAccountShareABudgetAndRegionsAndAccountsDoNot() {
        let ownEast = InstanceLookupScope(region: "us-east-1")
        let ownWest = InstanceLookupScope(region: "us-west-2")
        let roleA = InstanceLookupScope(region: "us-east-1", roleARN: "arn:aws:iam::222222222222:role/a")
        let roleB = InstanceLookupScope(region: "us-east-1", roleARN: "arn:aws:iam::222222222222:role/b")
        let otherAccount = InstanceLookupScope(region: "us-east-1", roleARN: "arn:aws:iam::333333333333:role/a")
        XCTAssertEqual(roleA.rateLimitKey, roleB.rateLimitKey, "AWS meters the API per account, whatever the role")
        XCTAssertNotEqual(roleA, roleB, "but the roles sign with other credentials, so they batch apart")
        XCTAssertNotEqual(ownEast.rateLimitKey, ownWest.rateLimitKey)
        XCTAssertNotEqual(roleA.rateLimitKey, otherAccount.rateLimitKey)
        XCTAssertNotEqual(ownEast.rateLimitKey, roleA.rateLimitKey)
    }

    func testPacerKeepsOneBucketPerAccountAndRegion() {
        let pacer = DescribeInstancesPacer(callsPerSecond: 2, burst: 1)
        let east = InstanceLookupScope(region: "us-east-1")
        let west = InstanceLookupScope(region: "us-west-2")
        XCTAssertEqual(pacer.reserve(for: east, at: at(0)), .zero)
        XCTAssertEqual(pacer.reserve(for: east, at: at(0)), .milliseconds(500), "east's second call waits")
        XCTAssertEqual(pacer.reserve(for: west, at: at(0)), .zero, "west has its own budget")
    }

    func testBatchWaitingForItsTurnKeepsTakingLookups() async throws {
        let api = RecordingDescribeInstancesAPI(passingTo: EverythingRunningAPI())
        // One call every two seconds, no burst beyond the first.
        let batcher = DescribeInstancesBatcher(api: api, policy: DescribeInstancesBatchPolicy(
            window: .milliseconds(10), callsPerSecond: 0.5, burst: 1))
        let scope = InstanceLookupScope(region: "us-east-1")
        let id: @Sendable (Int) -> String = { String(format: "i-%017x", $0) }
        _ = try await batcher.state(ofInstance: id(1), in: scope) // spends the burst

        // The next batch's window ends long before its turn (about two seconds away); lookups
        // arriving meanwhile join it instead of opening a batch of their own.
        async let second = batcher.state(ofInstance: id(2), in: scope)
        try await Task.sleep(for: .milliseconds(300))
        let late = await concurrently(2) { try await batcher.state(ofInstance: id(3 + $0), in: scope) }
        _ = try await second

        XCTAssertTrue(try late.allSatisfy { try $0.get()?.stateName == "running" })
        XCTAssertEqual(api.requests.map { Set($0.instanceIDs) }, [[id(1)], [id(2), id(3), id(4)]])
        XCTAssertEqual(batcher.describeCalls, 2)
    }

    func testBatchesOfOneScopeAreSpacedByTheTokenBucket() async throws {
        let moto = try await MotoServer()
        do {
            let ids = try moto.runInstances(count: 250)
            let api = RecordingDescribeInstancesAPI(moto: moto.endpoint)
            let batcher = DescribeInstancesBatcher(api: api, policy: DescribeInstancesBatchPolicy(
                window: .seconds(2), callsPerSecond: 4, burst: 1))
            let scope = InstanceLookupScope(region: "us-east-1")

            let states = await concurrently(ids.count) { try await batcher.state(ofInstance: ids[$0], in: scope) }

            XCTAssertTrue(try states.allSatisfy { try $0.get()?.stateName == "running" })
            let sent = api.requests.map(\.sentAt).sorted()
            XCTAssertEqual(sent.count, 3)
            // 4 calls per second with no burst: nominally 250 ms apart. Only a lower bound is
            // asserted (a slow machine spaces them more, never less).
            for (earlier, later) in zip(sent, sent.dropFirst()) {
                XCTAssertGreaterThanOrEqual(earlier.duration(to: later), .milliseconds(200), "calls \(sent)")
            }
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }
}
