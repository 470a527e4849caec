import Foundation
import JoinCore
import Server
import XCTest

/// Expiry by the backend's clock, and the sweep that removes expired rows.
extension BackendTestSuite {
    public func testItemIsVisibleUntilJustBeforeItsExpiry() async throws {
        try await withBackend { backend, clock in
            let created = try await backend.create("/nodes/host-1", value: Data(utf8: "heartbeat"), expires: at(60))
            clock.set(at(59))
            let read = try await backend.get("/nodes/host-1")
            XCTAssertEqual(read, created)
            let listed = try await backend.range(prefix: "/nodes/")
            XCTAssertEqual(listed, [created])
        }
    }

    public func testItemIsHiddenAtItsExpiryInstant() async throws {
        try await withBackend { backend, clock in
            let created = try await backend.create("/nodes/host-1", value: Data(utf8: "heartbeat"), expires: at(60))
            clock.set(at(60))
            let read = try await backend.get("/nodes/host-1")
            XCTAssertNil(read, "an item whose expiry equals now is gone")
            let listed = try await backend.range(prefix: "/nodes/")
            XCTAssertEqual(listed, [])
            await expectJoinError(.compareFailed, "compare-and-swap on an expired item") {
                try await backend.compareAndSwap(
                    "/nodes/host-1", expectedRevision: created.revision, value: Data(utf8: "revived"), expires: nil)
            }
            await expectJoinError(.compareFailed, "compare-and-delete on an expired item") {
                try await backend.compareAndDelete("/nodes/host-1", expectedRevision: created.revision)
            }
            await expectJoinError(.notFound, "delete of an expired item") {
                try await backend.delete("/nodes/host-1")
            }
        }
    }

    public func testCreateReusesAnExpiredKey() async throws {
        try await withBackend { backend, clock in
            let old = try await backend.create("/tokens/short-lived", value: Data(utf8: "old"), expires: at(60))
            clock.set(at(61))
            let new = try await backend.create("/tokens/short-lived", value: Data(utf8: "new"), expires: at(3600))
            XCTAssertEqual(new.value, Data(utf8: "new"))
            XCTAssertGreaterThan(new.revision, old.revision)
            clock.set(at(30))
            let read = try await backend.get("/tokens/short-lived")
            XCTAssertEqual(read, new, "the expired item was replaced, not hidden")
        }
    }

    public func testDeleteExpiredCountsAndRemovesOnlyExpiredItems() async throws {
        try await withBackend { backend, clock in
            _ = try await backend.put("/nodes/a", value: Data(utf8: "a"), expires: at(10))
            _ = try await backend.put("/nodes/b", value: Data(utf8: "b"), expires: at(20))
            let forever = try await backend.put("/nodes/c", value: Data(utf8: "c"), expires: nil)
            let later = try await backend.put("/nodes/d", value: Data(utf8: "d"), expires: at(100))

            clock.set(at(20))
            let removed = try await backend.deleteExpired()
            XCTAssertEqual(removed, 2)
            let removedAgain = try await backend.deleteExpired()
            XCTAssertEqual(removedAgain, 0)

            // Turning the clock back shows the rows are gone, not merely hidden.
            clock.set(Self.start)
            let listed = try await backend.range(prefix: "/nodes/")
            XCTAssertEqual(listed, [forever, later])
        }
    }
}
