import Foundation
import JoinCore
import Server
import XCTest

/// Revisions and the conditional writes that guard every one-time use (security rule 5).
extension BackendTestSuite {
    public func testRevisionsStrictlyIncreaseAcrossKeysAndOperations() async throws {
        try await withBackend { backend, _ in
            var revisions: [Int64] = []
            revisions.append(try await backend.create("/tokens/a", value: Data(utf8: "1"), expires: nil).revision)
            revisions.append(try await backend.put("/nodes/b", value: Data(utf8: "2"), expires: nil).revision)
            revisions.append(try await backend.put("/tokens/a", value: Data(utf8: "3"), expires: nil).revision)
            revisions.append(try await backend.compareAndSwap(
                "/tokens/a", expectedRevision: revisions[2], value: Data(utf8: "4"), expires: nil).revision)
            try await backend.delete("/nodes/b")
            revisions.append(try await backend.create("/nodes/b", value: Data(utf8: "5"), expires: nil).revision)
            revisions.append(try await backend.create("/bots/c", value: Data(utf8: "6"), expires: nil).revision)
            for (earlier, later) in zip(revisions, revisions.dropFirst()) {
                XCTAssertLessThan(earlier, later, "revisions \(revisions) do not strictly increase")
            }
        }
    }

    /// Writing the same bytes again still makes a new revision, so a revision read before
    /// cannot win a compare-and-swap afterwards (no ABA).
    public func testRewritingTheSameValueMakesANewRevision() async throws {
        try await withBackend { backend, _ in
            let read = try await backend.create("/tokens/a", value: Data(utf8: "same"), expires: nil)
            let rewritten = try await backend.put("/tokens/a", value: Data(utf8: "same"), expires: nil)
            XCTAssertNotEqual(rewritten.revision, read.revision)
            await expectJoinError(.compareFailed, "compare-and-swap with the revision read before the rewrite") {
                try await backend.compareAndSwap("/tokens/a", expectedRevision: read.revision, value: Data(utf8: "x"), expires: nil)
            }
        }
    }

    public func testCompareAndSwapWithCurrentRevisionWins() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/a", value: Data(utf8: "unused"), expires: at(600))
            let swapped = try await backend.compareAndSwap(
                "/tokens/a", expectedRevision: original.revision, value: Data(utf8: "used"), expires: at(1200))
            XCTAssertEqual(swapped.key, "/tokens/a")
            XCTAssertEqual(swapped.value, Data(utf8: "used"))
            XCTAssertEqual(swapped.expires, at(1200))
            XCTAssertGreaterThan(swapped.revision, original.revision)
            let read = try await backend.get("/tokens/a")
            XCTAssertEqual(read, swapped)
        }
    }

    public func testCompareAndSwapWithStaleRevisionFailsAndChangesNothing() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/a", value: Data(utf8: "v1"), expires: nil)
            let current = try await backend.compareAndSwap(
                "/tokens/a", expectedRevision: original.revision, value: Data(utf8: "v2"), expires: nil)
            await expectJoinError(.compareFailed, "compare-and-swap with a stale revision") {
                try await backend.compareAndSwap(
                    "/tokens/a", expectedRevision: original.revision, value: Data(utf8: "v3"), expires: at(5))
            }
            let read = try await backend.get("/tokens/a")
            XCTAssertEqual(read, current)
        }
    }

    public func testCompareAndSwapOnMissingItemFails() async throws {
        try await withBackend { backend, _ in
            await expectJoinError(.compareFailed, "compare-and-swap on a key never written") {
                try await backend.compareAndSwap("/tokens/missing", expectedRevision: 1, value: Data(utf8: "x"), expires: nil)
            }
            let read = try await backend.get("/tokens/missing")
            XCTAssertNil(read, "a failed compare-and-swap does not create the item")
        }
    }

    public func testCompareAndSwapOnExpiredItemFails() async throws {
        try await withBackend { backend, clock in
            let original = try await backend.create("/tokens/a", value: Data(utf8: "v1"), expires: at(60))
            clock.set(at(120))
            await expectJoinError(.compareFailed, "compare-and-swap on an expired item") {
                try await backend.compareAndSwap(
                    "/tokens/a", expectedRevision: original.revision, value: Data(utf8: "v2"), expires: nil)
            }
            let read = try await backend.get("/tokens/a")
            XCTAssertNil(read, "the expired item was not revived")
        }
    }

    public func testCompareAndDeleteWithCurrentRevisionDeletes() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/a", value: Data(utf8: "v1"), expires: nil)
            try await backend.compareAndDelete("/tokens/a", expectedRevision: original.revision)
            let read = try await backend.get("/tokens/a")
            XCTAssertNil(read)
        }
    }

    public func testCompareAndDeleteWithStaleRevisionFailsAndKeepsTheItem() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/a", value: Data(utf8: "v1"), expires: nil)
            let current = try await backend.put("/tokens/a", value: Data(utf8: "v2"), expires: nil)
            await expectJoinError(.compareFailed, "compare-and-delete with a stale revision") {
                try await backend.compareAndDelete("/tokens/a", expectedRevision: original.revision)
            }
            await expectJoinError(.compareFailed, "compare-and-delete of a key never written") {
                try await backend.compareAndDelete("/tokens/missing", expectedRevision: current.revision)
            }
            let read = try await backend.get("/tokens/a")
            XCTAssertEqual(read, current)
        }
    }

    /// Fifty joins racing to consume one single-use token: exactly one may win.
    public func testConcurrentCompareAndSwapHasExactlyOneWinner() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/single-use", value: Data(utf8: "unused"), expires: nil)
            let outcomes = try await race(attempts: 50) { attempt in
                _ = try await backend.compareAndSwap(
                    "/tokens/single-use", expectedRevision: original.revision,
                    value: Data(utf8: "used by \(attempt)"), expires: nil)
            }
            XCTAssertEqual(outcomes.winners.count, 1, "winners: \(outcomes.winners)")
            XCTAssertEqual(outcomes.losers, 49)
            let read = try await backend.get("/tokens/single-use")
            if let winner = outcomes.winners.first {
                XCTAssertEqual(read?.value, Data(utf8: "used by \(winner)"))
            }
        }
    }

    public func testConcurrentCompareAndDeleteHasExactlyOneWinner() async throws {
        try await withBackend { backend, _ in
            let original = try await backend.create("/tokens/single-use", value: Data(utf8: "unused"), expires: nil)
            let outcomes = try await race(attempts: 50) { _ in
                try await backend.compareAndDelete("/tokens/single-use", expectedRevision: original.revision)
            }
            XCTAssertEqual(outcomes.winners.count, 1, "winners: \(outcomes.winners)")
            XCTAssertEqual(outcomes.losers, 49)
            let read = try await backend.get("/tokens/single-use")
            XCTAssertNil(read)
        }
    }

    /// Fifty processes creating the same key at once (e.g. a first heartbeat): one creates it.
    public func testConcurrentCreateHasExactlyOneWinner() async throws {
        try await withBackend { backend, _ in
            let outcomes = try await race(attempts: 50, losingWith: .alreadyExists) { attempt in
                _ = try await backend.create("/nodes/host-1", value: Data(utf8: "created by \(attempt)"), expires: nil)
            }
            XCTAssertEqual(outcomes.winners.count, 1, "winners: \(outcomes.winners)")
            XCTAssertEqual(outcomes.losers, 49)
            let read = try await backend.get("/nodes/host-1")
            if let winner = outcomes.winners.first {
                XCTAssertEqual(read?.value, Data(utf8: "created by \(winner)"))
            }
        }
    }

    /// Runs `attempts` copies of `attempt` at once; an error of kind `losingWith` is a loss,
    /// any other error fails the race.
    private func race(
        attempts: Int, losingWith losingKind: JoinError.Kind = .compareFailed,
        _ attempt: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> (winners: [Int], losers: Int) {
        try await withThrowingTaskGroup(of: Int?.self) { group in
            for index in 0..<attempts {
                group.addTask {
                    do {
                        try await attempt(index)
                        return index
                    } catch let error as JoinError where error.kind == losingKind {
                        return nil
                    }
                }
            }
            var winners: [Int] = []
            var losers = 0
            for try await outcome in group {
                if let winner = outcome { winners.append(winner) } else { losers += 1 }
            }
            return (winners, losers)
        }
    }
}
