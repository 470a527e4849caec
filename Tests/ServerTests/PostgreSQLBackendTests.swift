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
    func testRangeBoundsHoldForEveryKindOfLastScalar() async throws { try await suite.testRangeBoundsHoldForEveryKindOfLastScalar() }
    func testAuditEventsComeBackInOrderWithAllFields() async throws { try await suite.testAuditEventsComeBackInOrderWithAllFields() }
    func testAuditQueryFiltersByMethodOutcomeAndTime() async throws { try await suite.testAuditQueryFiltersByMethodOutcomeAndTime() }
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

    /// Connections the server ends (an administrator's pg_terminate_backend, a failover) are
    /// dropped from the pool and replaced: at worst one call reports `.unavailable`.
    func testConnectionsEndedByTheServerAreReplaced() async throws {
        let conn = try await server.createDatabase()
        let backend = try await backend(conn, clock: ManualClock(BackendTestSuite.start))
        let item = try await backend.put("/nodes/host-1", value: Data("heartbeat".utf8), expires: nil)
        let ended = try await server.execute(
            "SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity WHERE datname = '\(Self.database(of: conn))'")
        XCTAssertNotEqual(ended, ["0"], "the backend had a pooled connection to end")

        var read: BackendItem?
        var failures: [JoinError] = []
        for _ in 0..<3 where read == nil {
            do {
                read = try await backend.get("/nodes/host-1")
            } catch let error as JoinError where error.kind == .unavailable {
                failures.append(error)
            }
        }
        XCTAssertEqual(read, item, "failures before recovering: \(failures)")
        XCTAssertLessThanOrEqual(failures.count, 1)
        try await backend.close()
    }

    /// A server that answers but whose pool has no free connection: the waiting call gives
    /// up after the wait timeout and says so; the call holding the connection is not cut off.
    func testBusyPoolTimesOutTheWaitingCallButNotTheRunningOne() async throws {
        let conn = try await server.createDatabase() + "&pool_max_conns=1"
        let settings = PostgreSQLBackendSettings(connectionWaitTimeout: .milliseconds(1500))
        let backend = try await PostgreSQLBackend(
            connString: conn, clock: ManualClock(BackendTestSuite.start), settings: settings, logger: Self.quietLogger)
        let item = try await backend.put("/nodes/host-1", value: Data("heartbeat".utf8), expires: nil)
        let database = Self.database(of: conn)
        let server = self.server!
        let locker = Task {
            try await server.execute(
                "DO $$ BEGIN LOCK TABLE items IN ACCESS EXCLUSIVE MODE; PERFORM pg_sleep(3); END $$", database: database)
        }
        try await Task.sleep(for: .milliseconds(300))
        let holder = Task { try await backend.get("/nodes/host-1") }
        try await Task.sleep(for: .milliseconds(300))

        let started = Date()
        let waiting = await expectError(.unavailable, "a call while the only connection is busy") {
            try await backend.put("/nodes/host-2", value: Data(), expires: nil)
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 1.4, "waited for the connection")
        XCTAssertLessThan(waited, 2.9, "gave up before the lock was released")
        XCTAssertTrue(waiting?.message.contains("no pooled connection became free") ?? false, waiting?.message ?? "")
        let held = try await holder.value
        XCTAssertEqual(held, item, "the call that had the connection completed")
        try await locker.value
        let missing = try await backend.get("/nodes/host-2")
        XCTAssertNil(missing, "the call that timed out did nothing")
        try await backend.close()
    }

    func testUnreachableAtStartFailsAfterTheBoundedRetryNamingTheServer() async throws {
        let port = FreePort.next()
        let logs = CapturedLogs()
        let settings = PostgreSQLBackendSettings(
            startupTimeout: .seconds(2), initialStartupRetryDelay: .milliseconds(100), maximumStartupRetryDelay: .milliseconds(400))
        let started = Date()
        let error = await openingFails(
            "postgresql://joinery:hunter2-secret@127.0.0.1:\(port)/joinery?sslmode=disable", .unavailable,
            settings: settings, logger: logs.logger)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(elapsed, 1.9, "it retried for the whole startup timeout")
        XCTAssertLessThan(elapsed, 10, "and then stopped")
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("127.0.0.1:\(port)"), message)
        XCTAssertTrue(message.contains("connection refused"), message)
        XCTAssertTrue(message.contains("still unreachable after"), message)
        XCTAssertFalse(message.contains("hunter2"), "the password leaked: \(message)")
        let retries = logs.messages.filter { $0.contains("retrying") }
        XCTAssertGreaterThanOrEqual(retries.count, 2, "each retry is logged: \(logs.messages)")
        XCTAssertFalse(logs.messages.joined().contains("hunter2"), "the password leaked into the log")
    }

    /// A server that stays up while its database is missing is a mistake to report now, not
    /// something to wait out.
    func testMissingDatabaseFailsAtOnceWithAClearError() async throws {
        let started = Date()
        let error = await openingFails(
            server.connString(database: "no_such_db").replacingOccurrences(of: "joinery@", with: "joinery:pw-s3cret@"), .unavailable)
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("no_such_db"), message)
        XCTAssertTrue(message.contains("create the database"), message)
        XCTAssertFalse(message.contains("pw-s3cret"), message)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "not retried for the startup timeout")
    }

    func testTLSRequiredAgainstAServerWithoutTLSFailsClearly() async throws {
        let conn = try await server.createDatabase().replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
        let message = await openingFails(conn, .unavailable)?.message ?? ""
        XCTAssertTrue(message.contains("does not accept TLS"), message)
        XCTAssertTrue(message.contains("sslmode=disable"), message)
    }

    /// A server of its own with TLS on: `require` encrypts, `verify-ca` and `verify-full`
    /// check the chain against `sslrootcert`, `verify-full` also the address; a certificate
    /// that fails either check stops the backend at once with a TLS error.
    func testTLSModesAgainstAServerWithTLS() async throws {
        let tlsServer = try PostgresServer()
        defer { tlsServer.stop() }
        let directory = tlsServer.directory.path
        try Self.shell("""
            cd '\(directory)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 1 \\
              -subj /CN=joinery-test-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key -out other-ca.pem -days 1 \\
              -subj /CN=another-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            """)
        let base = "postgresql://joinery@127.0.0.1:\(tlsServer.port)/joinery"
        let ca = "\(directory)/ca.pem"

        // A certificate for the address the backend dials.
        try Self.installServerCertificate(on: tlsServer, subjectAltName: "IP:127.0.0.1")
        for conn in ["\(base)?sslmode=require", "\(base)?sslmode=verify-ca&sslrootcert=\(ca)",
                     "\(base)?sslmode=verify-full&sslrootcert=\(ca)"] {
            let backend = try await PostgreSQLBackend(connString: conn, clock: ManualClock(), logger: Self.quietLogger)
            let written = try await backend.put("/tls/\(UUID().uuidString)", value: Data("over TLS".utf8), expires: nil)
            let read = try await backend.get(written.key)
            XCTAssertEqual(read, written, conn)
            let encrypted = try await tlsServer.execute(
                "SELECT count(*)::text FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE usename = 'joinery' AND ssl")
            XCTAssertNotEqual(encrypted, ["0"], "\(conn): the backend's connections are encrypted")
            try await backend.close()
        }
        try await expectTLSFailure("\(base)?sslmode=verify-full&sslrootcert=\(directory)/other-ca.pem", "another CA signed the certificate",
                                   saying: "not signed by a trusted CA")
        try await expectTLSFailure("\(base)?sslmode=verify-full", "the system roots do not hold the test CA",
                                   saying: "not signed by a trusted CA")

        // A certificate for another name: the chain is good, the address is not.
        try Self.installServerCertificate(on: tlsServer, subjectAltName: "DNS:db.joinery.test")
        let chainOnly = try await PostgreSQLBackend(
            connString: "\(base)?sslmode=verify-ca&sslrootcert=\(ca)", clock: ManualClock(), logger: Self.quietLogger)
        try await chainOnly.close()
        try await expectTLSFailure("\(base)?sslmode=verify-full&sslrootcert=\(ca)", "the certificate names db.joinery.test, not 127.0.0.1",
                                   saying: "does not name the host")

        // Logins by client certificate only, as Teleport's guides set PostgreSQL up.
        try Self.installServerCertificate(on: tlsServer, subjectAltName: "IP:127.0.0.1", clientCertificatesOnly: true)
        let withCertificate = try await PostgreSQLBackend(
            connString: "\(base)?sslmode=verify-full&sslrootcert=\(ca)&sslcert=\(directory)/client.pem&sslkey=\(directory)/client.key",
            clock: ManualClock(), logger: Self.quietLogger)
        let item = try await withCertificate.put("/tls/client-cert", value: Data("x".utf8), expires: nil)
        let itemRead = try await withCertificate.get("/tls/client-cert")
        XCTAssertEqual(itemRead, item)
        try await withCertificate.close()
        let refused = await openingFails("\(base)?sslmode=verify-full&sslrootcert=\(ca)", .unavailable)?.message ?? ""
        XCTAssertTrue(refused.contains("SQLSTATE 28"), "a login without the client certificate is refused: \(refused)")
        XCTAssertTrue(refused.contains("pg_hba.conf"), refused)
    }

    private func expectTLSFailure(
        _ conn: String, _ why: String, saying detail: String, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let started = Date()
        let message = await openingFails(conn, .unavailable, file: file, line: line)?.message ?? ""
        XCTAssertTrue(message.contains("TLS handshake failed"), "\(why): \(message)", file: file, line: line)
        XCTAssertTrue(message.contains(detail), "\(why): \(message)", file: file, line: line)
        XCTAssertTrue(message.contains("sslrootcert"), "says what to check: \(message)", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "\(why): a TLS mismatch is not retried", file: file, line: line)
    }

    func testMalformedConnStringFailsBeforeConnecting() async throws {
        let message = await openingFails("postgresql://joinery:t0p-secret@127.0.0.1:99999/joinery", .badParameter)?.message ?? ""
        XCTAssertTrue(message.contains("\"99999\""), message)
        XCTAssertFalse(message.contains("t0p-secret"), message)
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

    func testKeyWithANULCharacterIsABadParameter() async throws {
        let backend = try await backend(try await server.createDatabase(), clock: ManualClock(BackendTestSuite.start))
        let error = await expectError(.badParameter, "put of a key with NUL") {
            try await backend.put("/nodes/a\u{0}b", value: Data(), expires: nil)
        }
        XCTAssertTrue(error?.message.contains("NUL") ?? false, error?.message ?? "")
        let stillWorks = try await backend.put("/nodes/ab", value: Data(), expires: nil)
        XCTAssertEqual(stillWorks.key, "/nodes/ab")
        try await backend.close()
    }

    func testNonUTF8DatabaseIsRefused() async throws {
        let name = "t_ascii_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await server.execute("CREATE DATABASE \(name) OWNER joinery ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        let message = await openingFails(server.connString(database: name), .badParameter)?.message ?? ""
        XCTAssertTrue(message.contains("UTF8"), message)
    }

    func testForeignTableOfTheSameNameIsReportedNotOverwritten() async throws {
        let conn = try await server.createDatabase()
        let database = Self.database(of: conn)
        try await server.execute("CREATE TABLE items (id integer)", database: database)
        let message = await openingFails(conn, .badParameter)?.message ?? ""
        XCTAssertTrue(message.contains("database of its own"), message)
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

    /// Signs a server certificate with `ca.pem` in the server's directory, turns TLS on with
    /// it and restarts the server.
    /// With `clientCertificatesOnly`, also issues `client.pem` (CN joinery) and lets `joinery`
    /// in only over TLS with a certificate from that CA.
    private static func installServerCertificate(
        on server: PostgresServer, subjectAltName: String, clientCertificatesOnly: Bool = false
    ) throws {
        let directory = server.directory.path
        if clientCertificatesOnly {
            try shell("""
                cd '\(directory)'
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj /CN=joinery
                printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth\\n' > client.ext
                openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 -extfile client.ext
                chown --reference=data ca.pem
                printf "ssl_ca_file = '%s/ca.pem'\\n" "$PWD" >> data/postgresql.auto.conf
                printf 'hostssl all joinery 127.0.0.1/32 cert\\nhostnossl all joinery 127.0.0.1/32 reject\\nlocal all all trust\\nhost all all 127.0.0.1/32 trust\\n' > data/pg_hba.conf
                """)
        }
        try shell("""
            cd '\(directory)'
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=joinery-test-server
            printf 'subjectAltName=\(subjectAltName)\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile server.ext
            chmod 600 server.key
            chown --reference=data server.key server.pem
            grep -q '^ssl = on' data/postgresql.auto.conf || printf "ssl = on\\nssl_cert_file = '%s/server.pem'\\nssl_key_file = '%s/server.key'\\n" "$PWD" "$PWD" >> data/postgresql.auto.conf
            """)
        try server.pause()
        try server.resume()
    }

    private static func shell(_ script: String) throws {
        let result = try Command.shell("set -e\n" + script)
        guard result.status == 0 else { throw TestFailure("shell step failed: \(result.combined)") }
    }

    private func backend(_ conn: String, clock: ManualClock) async throws -> PostgreSQLBackend {
        try await PostgreSQLBackend(connString: conn, clock: clock, logger: Self.quietLogger)
    }

    private static func database(of conn: String) -> String {
        String(conn.split(separator: "/").last!.split(separator: "?").first!)
    }

    /// Opening a backend on `conn` fails with a `kind` error, which is returned.
    private func openingFails(
        _ conn: String, _ kind: JoinError.Kind, settings: PostgreSQLBackendSettings = PostgreSQLBackendSettings(),
        logger: Logger = quietLogger, file: StaticString = #filePath, line: UInt = #line
    ) async -> JoinError? {
        await expectError(kind, "opening \(conn)", file: file, line: line) {
            let backend = try await PostgreSQLBackend(connString: conn, clock: ManualClock(), settings: settings, logger: logger)
            try? await backend.close()
        }
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
