import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// The join rate limiter's table: one bucket per source address whatever the method, a fixed
/// size, and least-recently-used eviction, so a flood from many addresses cannot reset the
/// bucket of an address that is being throttled.
final class JoinRateLimiterEvictionTests: XCTestCase {
    private let frozen = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    func testAttemptsNamingOtherMethodsShareTheAddressBudgetThroughThePipeline() async throws {
        let cluster = try await TestCluster(clock: frozen, rateLimits: .init(averagePerSecond: 1, burst: 2))
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("address-budget-token-0123456789", roles: [.node])
        func attempt(method: String, from address: String) async -> JoinError? {
            let init_ = InMemoryJoinStream.clientInit(token: "address-budget-token-0123456789", method: method)
            do {
                try await cluster.server.joinPipeline.run(InMemoryJoinStream([init_]), remoteAddress: address)
                return nil
            } catch {
                return error as? JoinError
            }
        }
        let first = await attempt(method: "token", from: "10.9.0.1:1000")
        let second = await attempt(method: "token", from: "10.9.0.1:1001")
        XCTAssertNil(first)
        XCTAssertNil(second)
        for method in ["ec2", "iam", "bound_keypair", "token"] {
            let refused = await attempt(method: method, from: "10.9.0.1:1002")
            XCTAssertEqual(refused?.kind, .limitExceeded, "method \(method) must not open a fresh budget for the same address")
        }
    }

    func testFloodingWithManyAddressesDoesNotResetAThrottledHotAddress() throws {
        let limiter = JoinRateLimiter(limits: .init(averagePerSecond: 1, burst: 2), clock: frozen, capacity: 64)
        let hot = "198.51.100.7"
        try limiter.admit(address: hot)
        try limiter.admit(address: hot)
        XCTAssertThrowsError(try limiter.admit(address: hot))
        // The attacker keeps trying from its hot address while sending from 20× the table's
        // size in fresh addresses; a table that is cleared when full would let one of these
        // tries through.
        for index in 0..<(64 * 20) {
            try limiter.admit(address: "203.0.\(index / 250).\(index % 250)")
            if index % 16 == 0 {
                XCTAssertThrowsError(try limiter.admit(address: hot), "the hot address's bucket was reset by the flood at \(index)") {
                    XCTAssertEqual(($0 as? JoinError)?.kind, .limitExceeded)
                }
            }
        }
    }

    func testTheTableNeverHoldsMoreSourcesThanItsCapacity() throws {
        let limiter = JoinRateLimiter(limits: .init(averagePerSecond: 1, burst: 5), clock: frozen, capacity: 100)
        for index in 0..<1_000 {
            try limiter.admit(address: "2001:db8::\(String(index, radix: 16))")
            XCTAssertLessThanOrEqual(limiter.trackedSources, 100)
        }
        XCTAssertEqual(limiter.trackedSources, 100)
    }

    func testTheLeastRecentlyUsedSourceIsForgottenFirst() throws {
        let limiter = JoinRateLimiter(limits: .init(averagePerSecond: 1, burst: 1), clock: frozen, capacity: 3)
        for address in ["a", "b", "c"] { try limiter.admit(address: address) }
        // Touching "a" (even with a refused attempt) makes "b" the least recently used.
        XCTAssertThrowsError(try limiter.admit(address: "a"))
        try limiter.admit(address: "d")
        XCTAssertNoThrow(try limiter.admit(address: "b"), "b was the least recently used and should have been forgotten")
        // Adding "b" back evicted "c" (now the oldest); "a" and "d" are still throttled.
        XCTAssertThrowsError(try limiter.admit(address: "a"), "a was used recently and must keep its empty bucket")
        XCTAssertThrowsError(try limiter.admit(address: "d"))
        XCTAssertNoThrow(try limiter.admit(address: "c"))
    }

    func testTableKeepsRecencyOrderAcrossTouchesUpdatesAndEvictions() {
        var table = LeastRecentlyUsedTable<String, Int>(capacity: 3)
        XCTAssertNil(table.set("a", 1))
        XCTAssertNil(table.set("b", 2))
        XCTAssertNil(table.set("c", 3))
        XCTAssertEqual(table.keysByRecency, ["c", "b", "a"])
        XCTAssertEqual(table.touch("a"), 1)
        XCTAssertEqual(table.keysByRecency, ["a", "c", "b"])
        XCTAssertNil(table.set("c", 30), "updating a tracked key evicts nothing")
        XCTAssertEqual(table.keysByRecency, ["c", "a", "b"])
        XCTAssertEqual(table.set("d", 4), "b")
        XCTAssertEqual(table.keysByRecency, ["d", "c", "a"])
        XCTAssertNil(table.touch("b"))
        XCTAssertEqual(table.touch("c"), 30)
        XCTAssertEqual(table.count, 3)
    }
}
