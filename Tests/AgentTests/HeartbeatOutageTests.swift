import Foundation
@testable import Agent
import JoinCore
import XCTest

/// How a heartbeat loop counts failures and words them: the first success after failures ends
/// the outage (and is logged as "heartbeat recovered"), and a failure reads as one sentence.
final class HeartbeatOutageTests: XCTestCase {
    func testASuccessAfterFailuresEndsTheOutageWithItsCountAndStart() throws {
        var outage = HeartbeatOutage()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        outage.failed(at: start)
        outage.failed(at: start.addingTimeInterval(30))
        let ended = try XCTUnwrap(outage.succeeded())
        XCTAssertEqual(ended.failures, 2)
        XCTAssertEqual(ended.since, start)
        XCTAssertNil(outage.succeeded(), "the next success ends nothing")
        XCTAssertEqual(outage, HeartbeatOutage())
    }

    func testASuccessWithoutFailuresEndsNothing() {
        var outage = HeartbeatOutage()
        XCTAssertNil(outage.succeeded())
    }

    func testAnOutageIsTheSentenceTheTranslatedErrorAlreadyIs() {
        let error = JoinError.unavailable("cannot reach the Auth server at 127.0.0.1:3025 (connection refused)")
        XCTAssertEqual(Heartbeater.sentence(for: error), "cannot reach the Auth server at 127.0.0.1:3025 (connection refused)")
    }

    func testARefusalSaysTheAuthServerRefusedIt() {
        XCTAssertEqual(Heartbeater.sentence(for: JoinError.accessDenied("this host is locked"), answered: true),
                       "the Auth server refused it: this host is locked")
    }

    func testARefusedHandshakeIsItsOwnSentence() {
        let refusal = JoinError.accessDenied("the server presented a Node certificate of cluster \"x\"")
        XCTAssertEqual(Heartbeater.sentence(for: refusal), refusal.message)
    }

    func testDelaysAreSpokenAsGoDurationsToATenthOfASecond() {
        XCTAssertEqual(GoDuration.spoken(.seconds(30)), "30s")
        XCTAssertEqual(GoDuration.spoken(.milliseconds(1_540)), "1.5s")
        XCTAssertEqual(GoDuration.spoken(.milliseconds(730)), "700ms")
    }
}
