import Foundation
import JoinCore
import Server
import XCTest

/// The append-only audit log (security rule 7).
extension BackendTestSuite {
    public func testAuditEventsComeBackInOrderWithAllFields() async throws {
        try await withBackend { backend, _ in
            let events = sampleAuditEvents()
            for event in events { try await backend.appendAuditEvent(event) }
            let read = try await backend.auditEvents(limit: 10)
            XCTAssertEqual(read, events)
        }
    }

    public func testAuditEventsLimitReturnsTheNewestOldestFirst() async throws {
        try await withBackend { backend, _ in
            let events = sampleAuditEvents()
            for event in events { try await backend.appendAuditEvent(event) }
            let newestTwo = try await backend.auditEvents(limit: 2)
            XCTAssertEqual(newestTwo, Array(events.suffix(2)))
            let none = try await backend.auditEvents(limit: 0)
            XCTAssertEqual(none, [])
        }
    }

    /// A success, a failure with a reason, and a bot join with verified attributes.
    func sampleAuditEvents() -> [AuditEvent] {
        [
            AuditEvent(
                time: at(1), type: "instance.join", code: "TJ001I", success: true, method: "token",
                tokenName: "************cdef", role: "Node", hostID: "5f0c3c1e-7d8a-4f7e-9a53-0f1f2a3b4c5d",
                nodeName: "node-1", remoteAddress: "10.0.0.7:51234"),
            AuditEvent(
                time: at(2), type: "instance.join", code: "TJ001E", success: false, method: "ec2",
                tokenName: "ec2-token", role: "Node", hostID: "", nodeName: "",
                remoteAddress: "[2001:db8::1]:443",
                reason: "instance i-0123 is in account 222222222222, which no allow rule names",
                attributes: ["account": "222222222222", "region": "eu-west-1", "instance_id": "i-0123"]),
            AuditEvent(
                time: at(3), type: "bot.join", code: "TJ002I", success: true, method: "iam",
                tokenName: "iam-bot-token", role: "Bot", hostID: "bot-instance-1", nodeName: "robot",
                remoteAddress: "192.0.2.10:40000", reason: nil,
                attributes: ["arn": "arn:aws:sts::111111111111:assumed-role/ci/run-42", "unicode": "ünïcødé ✓"]),
        ]
    }
}
