import JoinCore
import CLISupport
import XCTest

/// A failing daemon retries sooner than its renewal interval, doubling the wait each time,
/// never beyond the interval, and jittered so bots do not retry in step.
final class TbotRenewalBackoffTests: XCTestCase {
    private let backoff = JitteredBackoff(initial: .seconds(1), maximum: .seconds(20 * 60))

    func testDelayDoublesWithEachConsecutiveFailure() {
        XCTAssertEqual(backoff.delay(afterFailures: 1, jitter: 1), .seconds(1))
        XCTAssertEqual(backoff.delay(afterFailures: 2, jitter: 1), .seconds(2))
        XCTAssertEqual(backoff.delay(afterFailures: 5, jitter: 1), .seconds(16))
    }

    func testDelayNeverExceedsTheRenewalInterval() {
        XCTAssertEqual(backoff.delay(afterFailures: 30, jitter: 1), .seconds(1200))
        XCTAssertEqual(backoff.delay(afterFailures: 10_000, jitter: 1), .seconds(1200))
    }

    func testJitterKeepsTheDelayBetweenHalfAndAllOfTheStep() {
        XCTAssertEqual(backoff.delay(afterFailures: 4, jitter: 0), .seconds(4))
        for _ in 0..<100 {
            let delay = backoff.delay(afterFailures: 4)
            XCTAssertGreaterThanOrEqual(delay, .seconds(4))
            XCTAssertLessThanOrEqual(delay, .seconds(8))
        }
    }
}
