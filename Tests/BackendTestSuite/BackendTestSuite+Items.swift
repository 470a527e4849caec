import Foundation
import JoinCore
import Server
import XCTest

/// Plain reads and writes: create, get, put, delete, and what values survive.
extension BackendTestSuite {
    public func testCreateThenGet() async throws {
        try await withBackend { backend, _ in
            let created = try await backend.create("/tokens/alpha", value: Data(utf8: "alpha spec"), expires: at(3600))
            XCTAssertEqual(created.key, "/tokens/alpha")
            XCTAssertEqual(created.value, Data(utf8: "alpha spec"))
            XCTAssertEqual(created.expires, at(3600))
            let read = try await backend.get("/tokens/alpha")
            XCTAssertEqual(read, created)
        }
    }

    public func testGetOfMissingKeyReturnsNil() async throws {
        try await withBackend { backend, _ in
            let read = try await backend.get("/tokens/never-written")
            XCTAssertNil(read)
        }
    }

    public func testPutInsertsThenReplaces() async throws {
        try await withBackend { backend, _ in
            let first = try await backend.put("/nodes/host-1", value: Data(utf8: "first"), expires: at(60))
            let firstRead = try await backend.get("/nodes/host-1")
            XCTAssertEqual(firstRead, first)

            let second = try await backend.put("/nodes/host-1", value: Data(utf8: "second"), expires: nil)
            XCTAssertEqual(second.value, Data(utf8: "second"))
            XCTAssertNil(second.expires, "a put without expiry clears the previous expiry")
            XCTAssertGreaterThan(second.revision, first.revision)
            let secondRead = try await backend.get("/nodes/host-1")
            XCTAssertEqual(secondRead, second)
        }
    }

    public func testCreateOnLiveKeyFailsWithAlreadyExistsAndChangesNothing() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/alpha", value: Data(utf8: "original"), expires: at(600))
            await expectJoinError(.alreadyExists, "create over a live item") {
                try await backend.create("/tokens/alpha", value: Data(utf8: "intruder"), expires: nil)
            }
            let read = try await backend.get("/tokens/alpha")
            XCTAssertEqual(read, original, "value, expiry and revision are untouched")
        }
    }

    public func testDeleteRemovesTheItem() async throws {
        try await withBackend { backend, _ in
            _ = try await backend.put("/locks/l1", value: Data(utf8: "lock"), expires: nil)
            try await backend.delete("/locks/l1")
            let read = try await backend.get("/locks/l1")
            XCTAssertNil(read)
            let recreated = try await backend.create("/locks/l1", value: Data(utf8: "again"), expires: nil)
            XCTAssertEqual(recreated.value, Data(utf8: "again"), "a deleted key can be created again")
        }
    }

    public func testDeleteOfMissingKeyFailsWithNotFound() async throws {
        try await withBackend { backend, _ in
            await expectJoinError(.notFound, "delete of a key never written") {
                try await backend.delete("/locks/missing")
            }
            _ = try await backend.put("/locks/once", value: Data(utf8: "x"), expires: nil)
            try await backend.delete("/locks/once")
            await expectJoinError(.notFound, "second delete of the same key") {
                try await backend.delete("/locks/once")
            }
        }
    }

    public func testBinaryValuesSurvive() async throws {
        try await withBackend { backend, _ in
            let everyByte = Data((0...255).map { UInt8($0) })
            let reversed = Data(everyByte.reversed())
            let created = try await backend.create("/blobs/every-byte", value: everyByte, expires: nil)
            XCTAssertEqual(created.value, everyByte)
            let read = try await backend.get("/blobs/every-byte")
            XCTAssertEqual(read?.value, everyByte)

            let swapped = try await backend.compareAndSwap(
                "/blobs/every-byte", expectedRevision: created.revision, value: reversed, expires: nil)
            let reread = try await backend.get("/blobs/every-byte")
            XCTAssertEqual(reread?.value, reversed)
            let listed = try await backend.range(prefix: "/blobs/")
            XCTAssertEqual(listed, [swapped])
        }
    }

    public func testEmptyValueSurvives() async throws {
        try await withBackend { backend, _ in
            let created = try await backend.create("/blobs/empty", value: Data(), expires: nil)
            let read = try await backend.get("/blobs/empty")
            XCTAssertEqual(read, created)
            XCTAssertEqual(read?.value, Data())
            _ = try await backend.put("/blobs/empty", value: Data(), expires: nil)
            let reread = try await backend.get("/blobs/empty")
            XCTAssertEqual(reread?.value, Data())
        }
    }

    /// A `token`-method token's name is its secret, and it is the last component of its key:
    /// errors may name the folder but must not repeat the whole name (security rule 1).
    public func testErrorMessagesDoNotRevealTheWholeKeyName() async throws {
        try await withBackend { backend, _ in
            let secretName = "0123456789abcdef0123456789abcdef"
            let key = "/tokens/\(secretName)"
            let original = try await backend.create(key, value: Data(utf8: "spec"), expires: nil)
            var errors: [JoinError?] = []
            errors.append(await expectJoinError(.alreadyExists, "create over a live token") {
                try await backend.create(key, value: Data(utf8: "spec"), expires: nil)
            })
            errors.append(await expectJoinError(.compareFailed, "compare-and-swap with a stale revision") {
                try await backend.compareAndSwap(key, expectedRevision: original.revision - 1, value: Data(), expires: nil)
            })
            errors.append(await expectJoinError(.notFound, "delete of a missing token") {
                try await backend.delete(key + "-other")
            })
            for case let error? in errors {
                XCTAssertFalse(error.message.contains(secretName), "error message reveals the key: \(error.message)")
            }
        }
    }

    public func testCallsAfterCloseFailWithUnavailable() async throws {
        let backend = try await makeBackend(ManualClock(Self.start))
        _ = try await backend.put("/nodes/host-1", value: Data(utf8: "x"), expires: nil)
        try await backend.close()
        await expectJoinError(.unavailable, "get after close") { try await backend.get("/nodes/host-1") }
        await expectJoinError(.unavailable, "put after close") {
            try await backend.put("/nodes/host-1", value: Data(utf8: "y"), expires: nil)
        }
        try await backend.close()
    }
}
