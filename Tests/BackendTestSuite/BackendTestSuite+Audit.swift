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

    /// Each filter alone and together, the limit counting matching events only, and a row
    /// whose client-chosen text holds a NUL (which PostgreSQL's `json` refuses to read) neither
    /// breaking the method filter nor hiding the other rows.
    public func testAuditQueryFiltersByMethodOutcomeAndTime() async throws {
        try await withBackend { backend, _ in
            let events = sampleAuditEvents() + [
                AuditEvent(
                    time: at(4), type: "instance.join", code: "TJ001E", success: false, method: "token",
                    tokenName: "****", role: "Node", hostID: "", nodeName: "nul\u{0}node", remoteAddress: "10.0.0.8:1",
                    reason: "token expired or not found", attributes: ["method": "ec2", "note": "a\u{0}b"]),
                AuditEvent(
                    time: at(5), type: "instance.join", code: "TJ001I", success: true, method: "ec2",
                    tokenName: "ec2-token", role: "Node", hostID: "111111111111-i-0456", nodeName: "", remoteAddress: "10.0.0.9:1"),
            ]
            for event in events { try await backend.appendAuditEvent(event) }
            func read(_ query: AuditQuery, limit: Int = 100) async throws -> [AuditEvent] {
                try await backend.auditEvents(limit: limit, matching: query)
            }

            let all = try await read(.all)
            XCTAssertEqual(all, events)
            let ec2 = try await read(AuditQuery(method: "ec2"))
            XCTAssertEqual(ec2, [events[1], events[4]], "an attribute named method must not match")
            let token = try await read(AuditQuery(method: "token"))
            XCTAssertEqual(token, [events[0], events[3]])
            let none = try await read(AuditQuery(method: "tok"))
            XCTAssertEqual(none, [], "methods match exactly, not by prefix")
            let failures = try await read(AuditQuery(success: false))
            XCTAssertEqual(failures, [events[1], events[3]])
            let successes = try await read(AuditQuery(success: true))
            XCTAssertEqual(successes, [events[0], events[2], events[4]])
            let window = try await read(AuditQuery(since: at(2), until: at(4)))
            XCTAssertEqual(window, [events[1], events[2]], "since is inclusive, until exclusive")
            let combined = try await read(AuditQuery(method: "ec2", success: true, since: at(2)))
            XCTAssertEqual(combined, [events[4]])
            let newestSuccess = try await read(AuditQuery(success: true), limit: 1)
            XCTAssertEqual(newestSuccess, [events[4]], "the limit counts matching events, newest first")
            let oldestTwoSuccesses = try await read(AuditQuery(success: true, until: at(5)), limit: 2)
            XCTAssertEqual(oldestTwoSuccesses, [events[0], events[2]])
            for query in [AuditQuery(method: "iam", success: true), AuditQuery(success: false, since: at(3)), AuditQuery(until: at(1))] {
                let read = try await read(query)
                XCTAssertEqual(read, events.filter(query.matches), "the backend disagrees with AuditQuery.matches for \(query)")
            }
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
