import AWSKit
import EC2Join
import Foundation
import JoinCore
import TestSupport
import XCTest

/// Issue 9 item 2: concurrent EC2 joins of one account and region share `DescribeInstances`
/// requests (up to 100 instances each) and each still gets its own verdict. Against a real
/// `moto_server`; requests are counted at the batcher and cross-checked with moto's log.
final class DescribeInstancesBatchingTests: XCTestCase {
    static let region = "us-east-1"
    /// Tests that count requests use a window long enough that every lookup starts within it
    /// even on a loaded machine; a batch of 100 is sent when full whatever the window.
    static let countingPolicy = DescribeInstancesBatchPolicy(window: .seconds(2))
    private var moto: MotoServer!

    override func setUp() async throws {
        moto = try await MotoServer()
    }

    override func tearDown() async throws {
        await moto?.stop()
    }

    private func directory(_ policy: DescribeInstancesBatchPolicy = countingPolicy) throws -> AWSInstanceDirectory {
        try AWSInstanceDirectory(environment: moto.awsEnvironment(region: Self.region), batching: policy)
    }

    /// Waits (briefly) for moto to log at least `expected` more requests than `before`; the
    /// number it logged.
    private func motoRequests(since before: Int, expecting expected: Int) async throws -> Int {
        let deadline = Date().addingTimeInterval(5)
        while moto.apiRequestsLogged - before < expected, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        return moto.apiRequestsLogged - before
    }

    func testHundredConcurrentLookupsOfRunningInstancesMakeOneDescribeInstancesCall() async throws {
        let ids = try moto.runInstances(count: 100, region: Self.region)
        let directory = try directory()
        let before = moto.apiRequestsLogged
        let processBefore = DescribeInstancesCounters.processWide

        let states = await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: Self.region, assumingRole: nil) }

        for (id, state) in zip(ids, states) {
            XCTAssertEqual(try state.get(), "running", "instance \(id)")
        }
        XCTAssertEqual(DescribeInstancesCounters.processWide.calls - processBefore.calls, 1, "the process-wide count, as benchmarks read it")
        XCTAssertEqual(DescribeInstancesCounters.processWide.lookups - processBefore.lookups, 100)
        let counters = directory.batcher.counters
        XCTAssertEqual(counters.calls, 1, "100 concurrent lookups must share one DescribeInstances call: \(counters)")
        XCTAssertEqual(counters.lookups, 100)
        XCTAssertEqual(counters.throttled, 0)
        let logged = try await motoRequests(since: before, expecting: 1)
        XCTAssertEqual(logged, 1, "moto's request log must show exactly one request for the 100 lookups")
    }

    func testTwoHundredFiftyConcurrentLookupsMakeThreeCallsOfAtMostAHundred() async throws {
        let ids = try moto.runInstances(count: 250, region: Self.region)
        let api = RecordingDescribeInstancesAPI(moto: moto.endpoint)
        let batcher = DescribeInstancesBatcher(api: api, policy: Self.countingPolicy)
        let scope = InstanceLookupScope(region: Self.region)
        let before = moto.apiRequestsLogged

        let states = await concurrently(ids.count) { try await batcher.state(ofInstance: ids[$0], in: scope) }

        for (id, state) in zip(ids, states) {
            XCTAssertEqual(try state.get()?.stateName, "running", "instance \(id)")
            XCTAssertEqual(try state.get()?.instanceID, id, "each lookup must get its own instance's state")
        }
        XCTAssertEqual(batcher.describeCalls, 3, "\(batcher.counters)")
        XCTAssertEqual(api.requests.map(\.instanceIDs.count).sorted(), [50, 100, 100])
        let asked = api.requests.flatMap(\.instanceIDs)
        XCTAssertEqual(asked.count, Set(asked).count, "no instance may be asked about twice")
        XCTAssertEqual(Set(asked), Set(ids))
        let logged = try await motoRequests(since: before, expecting: 3)
        XCTAssertEqual(logged, 3, "moto's request log must show three requests for the 250 lookups")
    }

    func testTerminatedAndUnknownInstancesInABatchGetTheirOwnVerdicts() async throws {
        let running = try moto.runInstances(count: 5, region: Self.region)
        let terminated = try moto.runInstance(region: Self.region)
        try moto.terminateInstance(terminated)
        let unknown = "i-0123456789abcdef0"
        let ids = running + [terminated, unknown]
        let directory = try directory()

        let states = await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: Self.region, assumingRole: nil) }

        XCTAssertEqual(directory.batcher.describeCalls, 1, "all seven lookups must be in one batch for this test to mean anything")
        for (id, state) in zip(running, states) {
            XCTAssertEqual(try state.get(), "running", "instance \(id)")
        }
        XCTAssertEqual(try states[5].get(), "terminated", "the terminated instance")
        XCTAssertNil(try states[6].get(), "an instance EC2 did not list is not found, and only that one")
    }

    func testDuplicateLookupsOfOneInstanceAreAskedOnceAndAllAnswered() async throws {
        let ids = try moto.runInstances(count: 2, region: Self.region)
        let lookups = [ids[0], ids[1], ids[0], ids[0], ids[1]]
        let api = RecordingDescribeInstancesAPI(moto: moto.endpoint)
        let batcher = DescribeInstancesBatcher(api: api, policy: Self.countingPolicy)
        let scope = InstanceLookupScope(region: Self.region)

        let states = await concurrently(lookups.count) { try await batcher.state(ofInstance: lookups[$0], in: scope) }

        for (id, state) in zip(lookups, states) {
            XCTAssertEqual(try state.get()?.instanceID, id)
            XCTAssertEqual(try state.get()?.stateName, "running")
        }
        XCTAssertEqual(api.requests.count, 1)
        XCTAssertEqual(api.requests.first?.instanceIDs.sorted(), ids.sorted(), "each instance asked about once")
    }

    func testLookupsInTwoRegionsAreNotMixed() async throws {
        let east = try moto.runInstances(count: 3, region: "us-east-1")
        let west = try moto.runInstances(count: 3, region: "us-west-2")
        let api = RecordingDescribeInstancesAPI(moto: moto.endpoint)
        let batcher = DescribeInstancesBatcher(api: api, policy: Self.countingPolicy)
        // Each region's instances in their region, plus an eastern instance asked for in the west.
        let lookups = east.map { ($0, "us-east-1") } + west.map { ($0, "us-west-2") } + [(east[0], "us-west-2")]

        let states = await concurrently(lookups.count) {
            try await batcher.state(ofInstance: lookups[$0].0, in: InstanceLookupScope(region: lookups[$0].1))
        }

        for (index, (id, region)) in lookups.dropLast().enumerated() {
            XCTAssertEqual(try states[index].get()?.stateName, "running", "\(id) in \(region)")
        }
        XCTAssertNil(try states.last!.get(), "an instance of us-east-1 does not exist in us-west-2")
        XCTAssertEqual(api.requests.count, 2, "one request per region")
        for request in api.requests {
            let expected = request.scope.region == "us-east-1" ? Set(east) : Set(west + [east[0]])
            XCTAssertEqual(Set(request.instanceIDs), expected, "the \(request.scope.region) request")
        }
    }

    func testLookupsThroughDifferentRolesAreSentSeparately() async throws {
        let api = RecordingDescribeInstancesAPI(passingTo: EverythingRunningAPI())
        let batcher = DescribeInstancesBatcher(api: api, policy: Self.countingPolicy)
        let roles = [nil, "arn:aws:iam::222222222222:role/a", "arn:aws:iam::333333333333:role/b"]

        let states = await concurrently(roles.count * 4) {
            try await batcher.state(ofInstance: String(format: "i-%017x", $0 + 1),
                                    in: InstanceLookupScope(region: Self.region, roleARN: roles[$0 % roles.count]))
        }

        XCTAssertTrue(try states.allSatisfy { try $0.get()?.stateName == "running" })
        XCTAssertEqual(api.requests.count, 3, "one request per role: each is signed with other credentials")
        XCTAssertEqual(Set(api.requests.map(\.scope.roleARN)), Set(roles))
        XCTAssertTrue(api.requests.allSatisfy { $0.instanceIDs.count == 4 })
    }

    func testFullBatchIsSentWithoutWaitingForTheWindow() async throws {
        let ids = try moto.runInstances(count: 100, region: Self.region)
        let directory = try directory(DescribeInstancesBatchPolicy(window: .seconds(120)))

        let states = try await within(seconds: 60, "a full batch with a two-minute window") {
            await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: Self.region, assumingRole: nil) }
        }

        XCTAssertTrue(try states.allSatisfy { try $0.get() == "running" })
        XCTAssertEqual(directory.batcher.describeCalls, 1)
        try await within(seconds: 10, "draining after the window timer was cancelled") { await directory.batcher.drain() }
    }

    func testMalformedInstanceIDIsRefusedWithoutSpoilingTheBatch() async throws {
        let ids = try moto.runInstances(count: 3, region: Self.region)
        let lookups = ids + ["i-NOT-AN-ID"]
        let directory = try directory()

        let states = await concurrently(lookups.count) { try await directory.state(ofInstance: lookups[$0], region: Self.region, assumingRole: nil) }

        for (id, state) in zip(ids, states) {
            XCTAssertEqual(try state.get(), "running", "instance \(id)")
        }
        XCTAssertThrowsError(try states[3].get()) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter, "\(error)")
        }
        XCTAssertEqual(directory.batcher.describeCalls, 1)
    }
}
