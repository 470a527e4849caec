import BackendTestSuite
import Foundation
import JoinCore
import Server
import XCTest

/// ``SQLiteBackend`` against the shared ``BackendTestSuite``, each behaviour on a fresh file in
/// a temporary directory, plus what only a file-backed store has: durability, file modes,
/// foreign files, integrity, and two processes' worth of connections on one file.
final class SQLiteBackendTests: XCTestCase {
    private var directory: URL!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory
            .appending(path: "joinery-sqlite-backend-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    override func tearDown() async throws {
        // The directory holds every database file of the test together with its -wal and -shm.
        try? FileManager.default.removeItem(at: directory)
    }

    private var suite: BackendTestSuite {
        let directory = self.directory!
        return BackendTestSuite { clock in
            try SQLiteBackend(path: directory.appending(path: "backend-\(UUID().uuidString).sqlite"), clock: clock)
        }
    }

    private var databasePath: URL { directory.appending(path: "joinery.sqlite") }

    // MARK: The shared behaviour

    func testCreateThenGet() async throws { try await suite.testCreateThenGet() }
    func testGetOfMissingKeyReturnsNil() async throws { try await suite.testGetOfMissingKeyReturnsNil() }
    func testPutInsertsThenReplaces() async throws { try await suite.testPutInsertsThenReplaces() }
    func testCreateOnLiveKeyFailsWithAlreadyExistsAndChangesNothing() async throws {
        try await suite.testCreateOnLiveKeyFailsWithAlreadyExistsAndChangesNothing()
    }
    func testDeleteRemovesTheItem() async throws { try await suite.testDeleteRemovesTheItem() }
    func testDeleteOfMissingKeyFailsWithNotFound() async throws { try await suite.testDeleteOfMissingKeyFailsWithNotFound() }
    func testBinaryValuesSurvive() async throws { try await suite.testBinaryValuesSurvive() }
    func testEmptyValueSurvives() async throws { try await suite.testEmptyValueSurvives() }
    func testErrorMessagesDoNotRevealTheWholeKeyName() async throws {
        try await suite.testErrorMessagesDoNotRevealTheWholeKeyName()
    }
    func testCallsAfterCloseFailWithUnavailable() async throws { try await suite.testCallsAfterCloseFailWithUnavailable() }
    func testItemIsVisibleUntilJustBeforeItsExpiry() async throws { try await suite.testItemIsVisibleUntilJustBeforeItsExpiry() }
    func testItemIsHiddenAtItsExpiryInstant() async throws { try await suite.testItemIsHiddenAtItsExpiryInstant() }
    func testCreateReusesAnExpiredKey() async throws { try await suite.testCreateReusesAnExpiredKey() }
    func testDeleteExpiredCountsAndRemovesOnlyExpiredItems() async throws {
        try await suite.testDeleteExpiredCountsAndRemovesOnlyExpiredItems()
    }
    func testRevisionsStrictlyIncreaseAcrossKeysAndOperations() async throws {
        try await suite.testRevisionsStrictlyIncreaseAcrossKeysAndOperations()
    }
    func testRewritingTheSameValueMakesANewRevision() async throws { try await suite.testRewritingTheSameValueMakesANewRevision() }
    func testCompareAndSwapWithCurrentRevisionWins() async throws { try await suite.testCompareAndSwapWithCurrentRevisionWins() }
    func testCompareAndSwapWithStaleRevisionFailsAndChangesNothing() async throws {
        try await suite.testCompareAndSwapWithStaleRevisionFailsAndChangesNothing()
    }
    func testCompareAndSwapOnMissingItemFails() async throws { try await suite.testCompareAndSwapOnMissingItemFails() }
    func testCompareAndSwapOnExpiredItemFails() async throws { try await suite.testCompareAndSwapOnExpiredItemFails() }
    func testCompareAndDeleteWithCurrentRevisionDeletes() async throws {
        try await suite.testCompareAndDeleteWithCurrentRevisionDeletes()
    }
    func testCompareAndDeleteWithStaleRevisionFailsAndKeepsTheItem() async throws {
        try await suite.testCompareAndDeleteWithStaleRevisionFailsAndKeepsTheItem()
    }
    func testConcurrentCompareAndSwapHasExactlyOneWinner() async throws {
        try await suite.testConcurrentCompareAndSwapHasExactlyOneWinner()
    }
    func testConcurrentCompareAndDeleteHasExactlyOneWinner() async throws {
        try await suite.testConcurrentCompareAndDeleteHasExactlyOneWinner()
    }
    func testConcurrentCreateHasExactlyOneWinner() async throws { try await suite.testConcurrentCreateHasExactlyOneWinner() }
    func testRangeReturnsOnlyLiveItemsUnderThePrefixSortedByKey() async throws {
        try await suite.testRangeReturnsOnlyLiveItemsUnderThePrefixSortedByKey()
    }
    func testRangeWithEmptyPrefixListsEveryLiveItem() async throws { try await suite.testRangeWithEmptyPrefixListsEveryLiveItem() }
    func testRangePrefixIsLiteralAndCaseSensitive() async throws { try await suite.testRangePrefixIsLiteralAndCaseSensitive() }
    func testRangeBoundsHoldForEveryKindOfLastScalar() async throws { try await suite.testRangeBoundsHoldForEveryKindOfLastScalar() }
    func testAuditEventsComeBackInOrderWithAllFields() async throws { try await suite.testAuditEventsComeBackInOrderWithAllFields() }
    func testAuditQueryFiltersByMethodOutcomeAndTime() async throws { try await suite.testAuditQueryFiltersByMethodOutcomeAndTime() }
    func testAuditEventsLimitReturnsTheNewestOldestFirst() async throws {
        try await suite.testAuditEventsLimitReturnsTheNewestOldestFirst()
    }

    // MARK: SQLite only

    func testDataSurvivesCloseAndReopen() async throws {
        let clock = ManualClock(BackendTestSuite.start)
        let first = try SQLiteBackend(path: databasePath, clock: clock)
        let token = try await first.create("/tokens/durable", value: Data("spec".utf8), expires: clock.now + 3600)
        let event = AuditEvent(
            time: clock.now, type: "instance.join", code: "TJ001I", success: true, method: "token",
            tokenName: "****able", role: "Node", hostID: "host-1", nodeName: "node-1", remoteAddress: "10.0.0.1:1")
        try await first.appendAuditEvent(event)
        try await first.close()

        let second = try SQLiteBackend(path: databasePath, clock: clock)
        let read = try await second.get("/tokens/durable")
        XCTAssertEqual(read, token)
        let events = try await second.auditEvents(limit: 10)
        XCTAssertEqual(events, [event])
        let next = try await second.put("/nodes/host-1", value: Data("x".utf8), expires: nil)
        XCTAssertGreaterThan(next.revision, token.revision, "the revision counter survives a reopen")
        try await second.close()
    }

    func testDatabaseAndWALFilesAreReadableByTheOwnerOnly() async throws {
        let backend = try SQLiteBackend(path: databasePath, clock: ManualClock())
        _ = try await backend.put("/tokens/a", value: Data("secret".utf8), expires: nil)
        XCTAssertEqual(try mode(of: databasePath), 0o600)
        for suffix in ["-wal", "-shm"] {
            let companion = URL(fileURLWithPath: databasePath.path(percentEncoded: false) + suffix)
            XCTAssertTrue(FileManager.default.fileExists(atPath: companion.path(percentEncoded: false)), "\(suffix) exists in WAL mode")
            XCTAssertEqual(try mode(of: companion), 0o600, "mode of the \(suffix) file")
        }
        try await backend.close()
    }

    func testExistingFileWithLooseModeIsRestrictedTo0600() async throws {
        XCTAssertTrue(FileManager.default.createFile(
            atPath: databasePath.path(percentEncoded: false), contents: nil, attributes: [.posixPermissions: 0o644]))
        let backend = try SQLiteBackend(path: databasePath, clock: ManualClock())
        XCTAssertEqual(try mode(of: databasePath), 0o600)
        try await backend.close()
    }

    func testMissingDirectoryIsCreatedOwnerOnly() async throws {
        let nested = directory.appending(path: "data_dir/backend", directoryHint: .isDirectory)
        let backend = try SQLiteBackend(path: nested.appending(path: "joinery.sqlite"), clock: ManualClock())
        XCTAssertEqual(try mode(of: nested), 0o700)
        try await backend.close()
    }

    func testNonSQLiteFileGivesAClearError() async throws {
        let contents = Data(String(repeating: "teleport:\n  data_dir: /var/lib/teleport\n", count: 40).utf8)
        try contents.write(to: databasePath)
        do {
            let backend = try SQLiteBackend(path: databasePath, clock: ManualClock())
            try? await backend.close()
            XCTFail("opened a YAML file as an SQLite database")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains(databasePath.path(percentEncoded: false)), "names the file: \(error.message)")
            XCTAssertTrue(error.message.contains("not an SQLite database"), error.message)
        }
        XCTAssertEqual(try Data(contentsOf: databasePath), contents, "the foreign file is left untouched")
    }

    func testIntegrityCheckIsOkAfterConcurrentCompareAndSwap() async throws {
        let path = databasePath
        let onOneFile = BackendTestSuite { clock in try SQLiteBackend(path: path, clock: clock) }
        try await onOneFile.testConcurrentCompareAndSwapHasExactlyOneWinner()

        let backend = try SQLiteBackend(path: path, clock: ManualClock())
        let result = try await backend.integrityCheck()
        XCTAssertEqual(result, ["ok"])
        try await backend.close()
    }

    /// Two Auth processes on one file (two connection pools here): still exactly one winner,
    /// and the loser waits for the write lock rather than failing with "database is locked".
    func testTwoBackendsOnOneFileHaveExactlyOneCompareAndSwapWinner() async throws {
        let clock = ManualClock(BackendTestSuite.start)
        let first = try SQLiteBackend(path: databasePath, clock: clock)
        let second = try SQLiteBackend(path: databasePath, clock: clock)
        let original = try await first.create("/tokens/single-use", value: Data("unused".utf8), expires: nil)
        let seenBySecond = try await second.get("/tokens/single-use")
        XCTAssertEqual(seenBySecond, original)

        let wins = try await withThrowingTaskGroup(of: Int.self) { group in
            for attempt in 0..<50 {
                let backend = attempt.isMultiple(of: 2) ? first : second
                group.addTask {
                    do {
                        _ = try await backend.compareAndSwap(
                            "/tokens/single-use", expectedRevision: original.revision,
                            value: Data("used by \(attempt)".utf8), expires: nil)
                        return 1
                    } catch let error as JoinError where error.kind == .compareFailed {
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(wins, 1)
        try await first.close()
        try await second.close()
    }

    private func mode(of url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path(percentEncoded: false))
        return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }
}
