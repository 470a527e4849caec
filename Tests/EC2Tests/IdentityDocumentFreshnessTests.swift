import AWSKit
import EC2Join
import Foundation
import JoinCore
import XCTest

/// Spec §6.2 step 4 with a clock frozen at the genuine us-west-2 document's pendingTime, the
/// offsets Teleport's own tests use (testdata README).
final class IdentityDocumentFreshnessTests: XCTestCase {
    private var document: InstanceIdentityDocument!
    private var clock: ManualClock!

    override func setUpWithError() throws {
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates())
        document = try verifier.verify(try GenuineIdentityDocumentSample.instance1.encoded())
        clock = ManualClock(document.pendingTime)
    }

    private func check(after seconds: TimeInterval, ttl: String? = nil) throws {
        clock.set(document.pendingTime.addingTimeInterval(seconds))
        try IdentityDocumentFreshness.check(document, clock: clock, awsIIDTTL: try ttl.map(GoDuration.init(parsing:)))
    }

    func testDocumentAtExactlyItsPendingTimeIsAccepted() throws {
        XCTAssertNoThrow(try check(after: 0))
    }

    func testDocumentExactlyTheDefaultTTLOldIsAccepted() throws {
        XCTAssertNoThrow(try check(after: 5 * 60))
        XCTAssertNoThrow(try IdentityDocumentFreshness.check(pendingTime: document.pendingTime,
                                                             now: document.pendingTime.addingTimeInterval(300)))
    }

    func testIdentityDocumentOlderThanTheDefaultTTLIsRejected() throws {
        let error = assertAccessDenied(containing: "older than the configured TTL") { try self.check(after: 5 * 60 + 1) }
        XCTAssertTrue(error?.message.contains("5m0s") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("2021-09-03T21:25:44Z") == true, error?.message ?? "")
    }

    func testTenMinuteTTLAcceptsNineMinutesAndRejectsEleven() throws {
        XCTAssertNoThrow(try check(after: 9 * 60, ttl: "10m"))
        XCTAssertNoThrow(try check(after: 10 * 60, ttl: "10m"))
        let error = assertAccessDenied(containing: "older than the configured TTL") { try self.check(after: 11 * 60, ttl: "10m") }
        XCTAssertTrue(error?.message.contains("10m0s") == true, error?.message ?? "")
    }

    func testZeroTTLMeansTheDefault() throws {
        XCTAssertNoThrow(try check(after: 5 * 60, ttl: "0"))
        assertAccessDenied(containing: "older than the configured TTL") { try self.check(after: 5 * 60 + 1, ttl: "0s") }
    }

    func testPendingTimeTwoMinutesInTheFutureIsRejected() throws {
        let error = assertAccessDenied(containing: "in the future") { try self.check(after: -120) }
        XCTAssertTrue(error?.message.contains("2m0s") == true, error?.message ?? "")
    }

    func testPendingTimeThirtySecondsInTheFutureIsAcceptedAsClockDrift() throws {
        XCTAssertNoThrow(try check(after: -30))
        XCTAssertNoThrow(try check(after: -60))
        assertAccessDenied(containing: "in the future") { try self.check(after: -61) }
    }
}
