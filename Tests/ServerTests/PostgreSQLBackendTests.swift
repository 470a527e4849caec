import BackendTestSuite
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import XCTest

/// ``PostgreSQLBackend`` against the shared ``BackendTestSuite`` on a real PostgreSQL server
/// (`scripts/postgres`, one per class, a fresh database per behaviour), plus what only a
/// shared, networked store has: several backends on one database, concurrent schema
/// creation and sweeps, outages at start and mid-run, and errors that name the server but
/// never the password.
final class PostgreSQLBackendTests: XCTestCase {
    nonisolated(unsafe) private static var sharedServer: PostgresServer?
    nonisolated(unsafe) private static var startFailure: (any Error)?

    override class func setUp() {
        super.setUp()
        do {
            sharedServer = try PostgresServer()
        } catch {
            startFailure = error
        }
    }

    override class func tearDown() {
        sharedServer?.stop()
        sharedServer = nil
        super.tearDown()
    }

    private var server: PostgresServer!

    override func setUp() async throws {
        if let failure = Self.startFailure { throw failure }
        server = try XCTUnwrap(Self.sharedServer, "the class's PostgreSQL server is missing")
    }

    private static let quietLogger = Logger(label: "joinery.tests.postgres-backend", factory: { _ in SwiftLogNoOpLogHandler() })

    private var suite: BackendTestSuite {
        let server = self.server!
        return BackendTestSuite { clock in
            try await PostgreSQLBackend(connString: try await server.createDatabase(), clock: clock, logger: Self.quietLogger)
        }
    }

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
    func testAuditEventsComeBackInOrderWithAllFields() async throws { try await suite.testAuditEventsComeBackInOrderWithAllFields() }
    func testAuditEventsLimitReturnsTheNewestOldestFirst() async throws {
        try await suite.testAuditEventsLimitReturnsTheNewestOldestFirst()
    }

    // MARK: Several Auth servers on one database

    func testTwoBackendsOnOneDatabaseSeeEachOthersWrites() async throws {
        let conn = try await server.createDatabase()
        let clock = ManualClock(BackendTestSuite.start)
        let first = try await backend(conn, clock: clock)
        let second = try await backend(conn, clock: clock)

        let token = try await first.create("/tokens/shared", value: Data("spec".utf8), expires: clock.now + 600)
        let seen = try await second.get("/tokens/shared")
        XCTAssertEqual(seen, token)
        let swapped = try await second.compareAndSwap(
            "/tokens/shared", expectedRevision: token.revision, value: Data("used".utf8), expires: nil)
        let seenBack = try await first.get("/tokens/shared")
        XCTAssertEqual(seenBack, swapped)
        await expectError(.compareFailed, "the first backend's swap with the revision the second one replaced") {
            try await first.compareAndSwap("/tokens/shared", expectedRevision: token.revision, value: Data("again".utf8), expires: nil)
        }
        let node = try await second.put("/nodes/host-1", value: Data("heartbeat".utf8), expires: clock.now + 60)
        XCTAssertGreaterThan(node.revision, swapped.revision, "both backends take revisions from one sequence")
        let listed = try await first.range(prefix: "/")
        XCTAssertEqual(listed, [node, swapped])

        let event = AuditEvent(
            time: clock.now, type: "instance.join", code: "TJ001I", success: true, method: "token",
            tokenName: "****ared", role: "Node", hostID: "host-1", nodeName: "node-1", remoteAddress: "10.0.0.1:1")
        try await first.appendAuditEvent(event)
        let events = try await second.auditEvents(limit: 5)
        XCTAssertEqual(events, [event])

        clock.set(clock.now + 61)
        let removedBySecond = try await second.deleteExpired()
        XCTAssertEqual(removedBySecond, 1)
        let goneForFirst = try await first.range(prefix: "/nodes/")
        XCTAssertEqual(goneForFirst, [])
        try await first.close()
        try await second.close()
    }

    /// Fifty joins racing for one single-use token through two Auth servers: one wins.
    func testFiftyConcurrentCompareAndSwapsFromTwoBackendsHaveExactlyOneWinner() async throws {
        let conn = try await server.createDatabase()
        let clock = ManualClock(BackendTestSuite.start)
        let first = try await backend(conn, clock: clock)
        let second = try await backend(conn, clock: clock)
        let original = try await first.create("/tokens/single-use", value: Data("unused".utf8), expires: nil)

        let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
            for attempt in 0..<50 {
                let backend = attempt.isMultiple(of: 2) ? first : second
                group.addTask {
                    do {
                        _ = try await backend.compareAndSwap(
                            "/tokens/single-use", expectedRevision: original.revision,
                            value: Data("used by \(attempt)".utf8), expires: nil)
                        return attempt
                    } catch let error as JoinError where error.kind == .compareFailed {
                        return nil
                    }
                }
            }
            var winners: [Int] = []
            for try await winner in group { if let winner { winners.append(winner) } }
            return winners
        }
        XCTAssertEqual(winners.count, 1, "winners: \(winners)")
        let stored = try await second.get("/tokens/single-use")
        XCTAssertEqual(stored?.value, winners.first.map { Data("used by \($0)".utf8) })
        try await first.close()
        try await second.close()
    }

    /// Auth servers started together on an empty database: each creates the schema if it is
    /// missing, and the advisory lock keeps their `CREATE`s from colliding.
    func testBackendsInitialisingTheSchemaAtTheSameInstantAllSucceed() async throws {
        for round in 0..<3 {
            let conn = try await server.createDatabase()
            let clock = ManualClock(BackendTestSuite.start)
            let backends = try await withThrowingTaskGroup(of: PostgreSQLBackend.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgreSQLBackend(connString: conn, clock: clock, logger: Self.quietLogger) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(backends.count, 4, "round \(round)")
            let written = try await backends[0].create("/authorities/host", value: Data("ca".utf8), expires: nil)
            for backend in backends {
                let read = try await backend.get("/authorities/host")
                XCTAssertEqual(read, written, "round \(round)")
                try await backend.close()
            }
            let version = try await server.execute("SELECT version::text FROM joinery_schema", database: Self.database(of: conn))
            XCTAssertEqual(version, ["1"], "one schema version row")
        }
    }

    /// Two Auth servers sweeping at the same moment: every expired item is removed once, and
    /// neither fails (no deadlock between two DELETEs).
    func testConcurrentSweepsFromTwoBackendsRemoveEachExpiredItemOnce() async throws {
        let conn = try await server.createDatabase()
        let clock = ManualClock(BackendTestSuite.start)
        let first = try await backend(conn, clock: clock)
        let second = try await backend(conn, clock: clock)
        for index in 0..<300 {
            _ = try await (index.isMultiple(of: 2) ? first : second).put(
                "/nodes/host-\(index)", value: Data("heartbeat".utf8), expires: clock.now + Double(1 + index % 7))
        }
        let survivor = try await first.put("/nodes/forever", value: Data("static".utf8), expires: nil)
        clock.set(clock.now + 60)

        let removed = try await withThrowingTaskGroup(of: Int.self) { group in
            for round in 0..<6 {
                let backend = round.isMultiple(of: 2) ? first : second
                group.addTask { try await backend.deleteExpired() }
            }
            return try await group.reduce(0, +)
        }
        let removedLater = try await first.deleteExpired() + second.deleteExpired()
        XCTAssertEqual(removed + removedLater, 300, "each expired item is counted by exactly one sweep")
        clock.set(BackendTestSuite.start)
        let left = try await second.range(prefix: "/nodes/")
        XCTAssertEqual(left, [survivor])
        try await first.close()
        try await second.close()
    }

    // MARK: Outages

    /// The server stops under a running backend: operations fail quickly with `.unavailable`
    /// naming the server; when it is back, the same backend works again with its data.
    func testDatabaseStoppedMidRunGivesUnavailableThenTheSameBackendRecovers() async throws {
        let conn = try await server.createDatabase()
        let clock = ManualClock(BackendTestSuite.start)
        let backend = try await PostgreSQLBackend(connString: conn, clock: clock, logger: Self.quietLogger)
        let before = try await backend.put("/tokens/kept", value: Data("spec".utf8), expires: nil)

        try server.pause()
        var resumed = false
        defer { if !resumed { try? server.resume() } }

        let started = Date()
        let failure = await expectError(.unavailable, "get while the server is stopped") {
            try await backend.get("/tokens/kept")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 4, "the operation gave up soon after a direct attempt failed too")
        if let failure {
            XCTAssertTrue(failure.message.contains("127.0.0.1:\(server.port)"), "names the server: \(failure.message)")
            XCTAssertTrue(failure.message.contains("connection refused"), "says why: \(failure.message)")
            XCTAssertTrue(failure.message.contains("check that the server is running"), "says what to check: \(failure.message)")
        }
        await expectError(.unavailable, "a write while the server is stopped") {
            try await backend.put("/tokens/lost", value: Data("x".utf8), expires: nil)
        }

        try server.resume()
        resumed = true
        // The pool reconnects on its own backoff; the same backend object must work again.
        let deadline = Date().addingTimeInterval(60)
        var recovered: BackendItem?
        var lastError: (any Error)?
        while recovered == nil && Date() < deadline {
            do {
                recovered = try await backend.get("/tokens/kept")
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        XCTAssertEqual(recovered, before, "after the restart: \(String(describing: lastError))")
        let after = try await backend.put("/tokens/new", value: Data("after".utf8), expires: nil)
        XCTAssertGreaterThan(after.revision, before.revision)
        let lost = try await backend.get("/tokens/lost")
        XCTAssertNil(lost, "the write that failed during the outage did not happen")
        try await backend.close()
    }

    func testUnreachableAtStartFailsAfterTheBoundedRetryNamingTheServer() async throws {
        let port = FreePort.next()
        let logs = CapturedLogs()
        let settings = PostgreSQLBackendSettings(
            startupTimeout: .seconds(2), initialStartupRetryDelay: .milliseconds(100), maximumStartupRetryDelay: .milliseconds(400))
        let started = Date()
        do {
            let backend = try await PostgreSQLBackend(
                connString: "postgresql://joinery:hunter2-secret@127.0.0.1:\(port)/joinery?sslmode=disable",
                clock: ManualClock(), settings: settings, logger: logs.logger)
            try? await backend.close()
            XCTFail("opened a backend with no server behind it")
        } catch let error as JoinError {
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertGreaterThanOrEqual(elapsed, 1.9, "it retried for the whole startup timeout")
            XCTAssertLessThan(elapsed, 10, "and then stopped")
            XCTAssertTrue(error.message.contains("127.0.0.1:\(port)"), error.message)
            XCTAssertTrue(error.message.contains("connection refused"), error.message)
            XCTAssertTrue(error.message.contains("still unreachable after"), error.message)
            XCTAssertFalse(error.message.contains("hunter2"), "the password leaked: \(error.message)")
        }
        let retries = logs.messages.filter { $0.contains("retrying") }
        XCTAssertGreaterThanOrEqual(retries.count, 2, "each retry is logged: \(logs.messages)")
        XCTAssertFalse(logs.messages.joined().contains("hunter2"), "the password leaked into the log")
    }

    /// A server that stays up while its database is missing is a mistake to report now, not
    /// something to wait out.
    func testMissingDatabaseFailsAtOnceWithAClearError() async throws {
        let started = Date()
        do {
            let backend = try await PostgreSQLBackend(
                connString: server.connString(database: "no_such_db").replacingOccurrences(of: "joinery@", with: "joinery:pw-s3cret@"),
                clock: ManualClock(), logger: Self.quietLogger)
            try? await backend.close()
            XCTFail("opened a database that does not exist")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("no_such_db"), error.message)
            XCTAssertTrue(error.message.contains("create the database"), error.message)
            XCTAssertFalse(error.message.contains("pw-s3cret"), error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "not retried for the startup timeout")
    }

    func testTLSRequiredAgainstAServerWithoutTLSFailsClearly() async throws {
        let conn = try await server.createDatabase().replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
        do {
            let backend = try await PostgreSQLBackend(connString: conn, clock: ManualClock(), logger: Self.quietLogger)
            try? await backend.close()
            XCTFail("connected with sslmode=require to a server without TLS")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("does not accept TLS"), error.message)
            XCTAssertTrue(error.message.contains("sslmode=disable"), error.message)
        }
    }

    func testMalformedConnStringFailsBeforeConnecting() async throws {
        do {
            let backend = try await PostgreSQLBackend(
                connString: "postgresql://joinery:t0p-secret@127.0.0.1:99999/joinery", clock: ManualClock(), logger: Self.quietLogger)
            try? await backend.close()
            XCTFail("accepted port 99999")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("\"99999\""), error.message)
            XCTAssertFalse(error.message.contains("t0p-secret"), error.message)
        }
    }

    // MARK: The database itself

    func testAuditTableRefusesUpdateDeleteAndTruncate() async throws {
        let conn = try await server.createDatabase()
        let backend = try await backend(conn, clock: ManualClock(BackendTestSuite.start))
        let event = AuditEvent(
            time: BackendTestSuite.start, type: "bot.join", code: "TJ002I", success: true, method: "token",
            tokenName: "****", role: "Bot", hostID: "", nodeName: "", remoteAddress: "10.0.0.2:2")
        try await backend.appendAuditEvent(event)
        let database = Self.database(of: conn)
        for statement in ["UPDATE audit_events SET success = false", "DELETE FROM audit_events", "TRUNCATE audit_events"] {
            do {
                try await server.execute(statement, database: database)
                XCTFail("\(statement) was allowed")
            } catch {
                XCTAssertTrue("\(error)".contains("append-only"), "\(statement): \(error)")
            }
        }
        let events = try await backend.auditEvents(limit: 10)
        XCTAssertEqual(events, [event])
        try await backend.close()
    }

    func testNonUTF8DatabaseIsRefused() async throws {
        let name = "t_ascii_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await server.execute("CREATE DATABASE \(name) OWNER joinery ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        do {
            let backend = try await PostgreSQLBackend(connString: server.connString(database: name), clock: ManualClock(), logger: Self.quietLogger)
            try? await backend.close()
            XCTFail("accepted an SQL_ASCII database")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("UTF8"), error.message)
        }
    }

    func testForeignTableOfTheSameNameIsReportedNotOverwritten() async throws {
        let conn = try await server.createDatabase()
        let database = Self.database(of: conn)
        try await server.execute("CREATE TABLE items (id integer)", database: database)
        do {
            let backend = try await PostgreSQLBackend(connString: conn, clock: ManualClock(), logger: Self.quietLogger)
            try? await backend.close()
            XCTFail("used a database holding someone else's items table")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("database of its own"), error.message)
        }
        let columns = try await server.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'", database: database)
        XCTAssertEqual(columns, ["id"], "the foreign table is untouched")
    }

    func testReopeningKeepsDataAndTheRevisionSequence() async throws {
        let conn = try await server.createDatabase()
        let clock = ManualClock(BackendTestSuite.start)
        let first = try await backend(conn, clock: clock)
        let token = try await first.create("/tokens/durable", value: Data("spec".utf8), expires: clock.now + 3600)
        try await first.close()
        let second = try await backend(conn, clock: clock)
        let read = try await second.get("/tokens/durable")
        XCTAssertEqual(read, token)
        let next = try await second.put("/nodes/n", value: Data(), expires: nil)
        XCTAssertGreaterThan(next.revision, token.revision)
        try await second.close()
    }

    // MARK: Helpers

    private func backend(_ conn: String, clock: ManualClock) async throws -> PostgreSQLBackend {
        try await PostgreSQLBackend(connString: conn, clock: clock, logger: Self.quietLogger)
    }

    private static func database(of conn: String) -> String {
        String(conn.split(separator: "/").last!.split(separator: "?").first!)
    }

    @discardableResult
    private func expectError<T>(
        _ kind: JoinError.Kind, _ operation: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> T
    ) async -> JoinError? {
        do {
            _ = try await body()
            XCTFail("\(operation) succeeded; expected .\(kind)", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, "\(operation): \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("\(operation) threw \(error); expected a JoinError", file: file, line: line)
        }
        return nil
    }
}

/// Log lines kept in memory, to check what a backend logged.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var messages: [String] { lock.withLock { lines } }

    var logger: Logger {
        Logger(label: "joinery.tests.captured") { _ in Handler(sink: self) }
    }

    fileprivate func append(_ line: String) { lock.withLock { lines.append(line) } }

    private struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        }
    }
}
