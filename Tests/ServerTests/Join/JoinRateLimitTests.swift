import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// Unauthenticated join attempts are limited per source address.
final class JoinRateLimitTests: XCTestCase {
    func testBurstFromOneAddressIsThrottledWhileOtherAddressesStillJoin() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let cluster = try await TestCluster(clock: clock, rateLimits: .init(averagePerSecond: 1, burst: 3))
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("rate-limited-token-0123456789ab", roles: [.node])
        func attempt(_ address: String) async -> JoinError? {
            let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "rate-limited-token-0123456789ab")])
            do {
                try await cluster.server.joinPipeline.run(stream, remoteAddress: address)
                return nil
            } catch {
                return error as? JoinError
            }
        }
        for _ in 0..<3 {
            let error = await attempt("10.0.0.1:1000")
            XCTAssertNil(error)
        }
        let throttled = await attempt("10.0.0.1:1001")
        XCTAssertEqual(throttled?.kind, .limitExceeded)
        let other = await attempt("10.0.0.2:1000")
        XCTAssertNil(other, "another address has its own budget")
        clock.advance(by: 1.5)
        let refilled = await attempt("10.0.0.1:1002")
        XCTAssertNil(refilled, "the budget refills over time")
    }

    func testLimiterForgetsNothingWithinItsBoundAndRefillsToBurst() throws {
        let clock = ManualClock()
        let limiter = JoinRateLimiter(limits: .init(averagePerSecond: 10, burst: 2), clock: clock)
        try limiter.admit(address: "a")
        try limiter.admit(address: "a")
        XCTAssertThrowsError(try limiter.admit(address: "a"))
        clock.advance(by: 60)
        try limiter.admit(address: "a")
        try limiter.admit(address: "a")
        XCTAssertThrowsError(try limiter.admit(address: "a"), "refill is capped at the burst")
    }
}
