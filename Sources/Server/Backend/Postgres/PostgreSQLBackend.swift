import Foundation
import JoinCore
import Logging
import PostgresNIO
import Synchronization

/// The shared ``Backend``: one PostgreSQL database that several Auth servers use at once, as
/// Teleport's `teleport.storage.type: postgresql`.
///
/// Every operation is one statement (the sweep is one small transaction), so PostgreSQL's
/// row locks decide races between Auth servers: a conditional write's `WHERE` re-checks the
/// row after waiting for a concurrent writer, and the rows it returns (`RETURNING`, exactly
/// the rows it changed) decide the outcome. Of any number of compare-and-swaps holding one
/// revision, on any number of servers, one changes the row and the others change nothing.
///
/// Revisions come from one sequence; expiry is judged by the injected ``JoinClock`` (passed
/// to every statement as a parameter), so an expired item is invisible to every read and
/// conditional write before ``deleteExpired()`` removes it. Start-up waits a bounded time for
/// an unreachable server (``PostgreSQLBackendSettings``); later outages fail operations with
/// `.unavailable` (within about a second when the server refuses connections, otherwise
/// after ``PostgreSQLBackendSettings/connectionWaitTimeout``) while the pool reconnects by
/// itself.
public final class PostgreSQLBackend: Backend {
    /// Where this backend connects (``PostgreSQLConnectionString/description`` has no password).
    public let connection: PostgreSQLConnectionString
    private let target: PostgreSQLTarget
    private let clock: any JoinClock
    private let logger: Logger
    private let pool: PostgreSQLConnectionPool
    private let probe: PostgreSQLProbe
    private let closed = Mutex(false)

    /// Connects to the server `connString` names (waiting for it as `settings` allow) and
    /// brings the schema up to date.
    ///
    /// - Throws: `.badParameter` for a malformed conn string or unusable TLS files;
    ///   `.unavailable` when the server stays unreachable for
    ///   ``PostgreSQLBackendSettings/startupTimeout`` or refuses the login.
    public convenience init(
        connString: String, clock: any JoinClock,
        settings: PostgreSQLBackendSettings = PostgreSQLBackendSettings(), logger: Logger
    ) async throws {
        try await self.init(
            connection: try PostgreSQLConnectionString(parsing: connString), clock: clock, settings: settings, logger: logger)
    }

    /// ``init(connString:clock:settings:logger:)`` for a conn string already parsed.
    public init(
        connection: PostgreSQLConnectionString, clock: any JoinClock,
        settings: PostgreSQLBackendSettings = PostgreSQLBackendSettings(), logger: Logger
    ) async throws {
        self.connection = connection
        self.target = PostgreSQLTarget(connection)
        self.clock = clock
        self.logger = logger
        let probe = try PostgreSQLProbe(connection, settings: settings)
        self.probe = probe
        let pool = try PostgreSQLConnectionPool(connection, settings: settings, logger: logger) {
            await probe.failure(within: PostgreSQLConnectionPool.diagnoseAfter * 3)
        }
        self.pool = pool
        do {
            try await probe.waitForServer(logger: logger)
            let target = self.target
            try await pool.withConnection { connection in
                try await PostgreSQLSchema.prepare(on: connection, target: target, logger: logger)
            }
        } catch {
            await pool.shutdown()
            throw await translate(error)
        }
        logger.info("PostgreSQL backend ready", metadata: ["server": "\(target)"])
    }

    // MARK: Items

    public func get(_ key: String) async throws -> BackendItem? {
        try await run { connection, now, logger in
            try await PostgreSQLSchema.items(from: connection.query(
                "SELECT \(unescaped: PostgreSQLSchema.itemColumns) FROM items WHERE key = \(key) AND \(liveAt: now)",
                logger: logger)).first
        }
    }

    public func create(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        let expiresMicros = expires.map(BackendTimestamp.microseconds)
        // One statement: insert, or take over the row only if it has expired. A concurrent
        // creator waits on the key's index entry and then finds a live row: no update.
        let revision = try await run { connection, now, logger in
            try await connection.query(
                """
                INSERT INTO items AS current (key, value, expires, revision)
                VALUES (\(key), \(value), \(expiresMicros), nextval('item_revisions'))
                ON CONFLICT (key) DO UPDATE
                    SET value = excluded.value, expires = excluded.expires, revision = excluded.revision
                    WHERE current.expires IS NOT NULL AND current.expires <= \(now)
                RETURNING revision
                """, logger: logger
            ).decode(Int64.self).first { _ in true }
        }
        guard let revision else { throw BackendOutcomes.alreadyExists(key) }
        return BackendOutcomes.storedItem(key, value, expires, revision)
    }

    public func put(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        let expiresMicros = expires.map(BackendTimestamp.microseconds)
        let revision = try await run { connection, _, logger in
            try await connection.query(
                """
                INSERT INTO items (key, value, expires, revision)
                VALUES (\(key), \(value), \(expiresMicros), nextval('item_revisions'))
                ON CONFLICT (key) DO UPDATE
                    SET value = excluded.value, expires = excluded.expires, revision = excluded.revision
                RETURNING revision
                """, logger: logger
            ).decode(Int64.self).first { _ in true }
        }
        guard let revision else {
            throw JoinError.internalError("\(target): an upsert of \(BackendItem.displayKey(key)) returned no revision")
        }
        return BackendOutcomes.storedItem(key, value, expires, revision)
    }

    public func compareAndSwap(
        _ key: String, expectedRevision: Int64, value: Data, expires: Date?
    ) async throws -> BackendItem {
        let expiresMicros = expires.map(BackendTimestamp.microseconds)
        // Under READ COMMITTED a concurrent swap holding the same revision waits for the row
        // lock, then re-evaluates the WHERE against the winner's row: the revision differs,
        // so it changes nothing and returns no row.
        let revision = try await run { connection, now, logger in
            try await connection.query(
                """
                UPDATE items SET value = \(value), expires = \(expiresMicros), revision = nextval('item_revisions')
                WHERE key = \(key) AND revision = \(expectedRevision) AND \(liveAt: now)
                RETURNING revision
                """, logger: logger
            ).decode(Int64.self).first { _ in true }
        }
        guard let revision else { throw BackendOutcomes.compareFailed(key, expectedRevision) }
        return BackendOutcomes.storedItem(key, value, expires, revision)
    }

    public func delete(_ key: String) async throws {
        let deleted = try await run { connection, now, logger in
            try await connection.query(
                "DELETE FROM items WHERE key = \(key) AND \(liveAt: now) RETURNING 1", logger: logger
            ).consume()
        }
        guard deleted == 1 else { throw BackendOutcomes.notFound(key) }
    }

    public func compareAndDelete(_ key: String, expectedRevision: Int64) async throws {
        let deleted = try await run { connection, now, logger in
            try await connection.query(
                "DELETE FROM items WHERE key = \(key) AND revision = \(expectedRevision) AND \(liveAt: now) RETURNING 1",
                logger: logger
            ).consume()
        }
        guard deleted == 1 else { throw BackendOutcomes.compareFailed(key, expectedRevision) }
    }

    public func range(prefix: String) async throws -> [BackendItem] {
        // starts_with has no wildcards and compares bytes; `key >= prefix AND key < upper`
        // lets the primary key's index (COLLATE "C", byte order) scan only the prefix's keys
        // (``KeyPrefixRange``).
        let upper = KeyPrefixRange(prefix).upperBound
        return try await run { connection, now, logger in
            let query: PostgresQuery = if let upper {
                """
                SELECT \(unescaped: PostgreSQLSchema.itemColumns) FROM items
                WHERE key >= \(prefix) AND key < \(upper) AND starts_with(key, \(prefix)) AND \(liveAt: now)
                ORDER BY key
                """
            } else {
                """
                SELECT \(unescaped: PostgreSQLSchema.itemColumns) FROM items
                WHERE key >= \(prefix) AND starts_with(key, \(prefix)) AND \(liveAt: now)
                ORDER BY key
                """
            }
            return try await PostgreSQLSchema.items(from: connection.query(query, logger: logger))
        }
    }

    /// Removes expired items, unless another Auth server is sweeping this database right
    /// now: then it returns 0 at once.
    ///
    /// Two plain `DELETE`s running together could lock the same rows in different orders and
    /// one would be aborted as a deadlock; a transaction-level advisory try-lock lets exactly
    /// one sweep run while the others skip a round (the rows they would have removed are
    /// already invisible, and the running sweep removes them).
    public func deleteExpired() async throws -> Int {
        try await run { connection, now, logger in
            try await connection.withTransaction(logger: logger) { connection in
                let locked = try await connection.query(
                    "SELECT pg_try_advisory_xact_lock(\(PostgreSQLSchema.sweepLock))", logger: logger
                ).decode(Bool.self).first { _ in true } ?? false
                guard locked else { return 0 }
                let removed = try await connection.query(
                    """
                    WITH removed AS (DELETE FROM items WHERE expires IS NOT NULL AND expires <= \(now) RETURNING 1)
                    SELECT count(*) FROM removed
                    """, logger: logger
                ).decode(Int64.self).first { _ in true } ?? 0
                return Int(removed)
            }
        }
    }

    // MARK: Audit log

    public func appendAuditEvent(_ event: AuditEvent) async throws {
        let json = try event.storedJSON()
        try await run { connection, _, logger in
            try await connection.query(
                "INSERT INTO audit_events (time, type, success, event) VALUES (\(event.time), \(event.type), \(event.success), \(json))",
                logger: logger
            ).consume()
        }
    }

    public func auditEvents(limit: Int, matching query: AuditQuery) async throws -> [AuditEvent] {
        guard limit > 0 else { return [] }
        var conditions: [String] = []
        var binds = PostgresBindings()
        func parameter<Value: PostgresEncodable>(_ value: Value) throws -> String {
            try binds.append(value)
            return "$\(binds.count)"
        }
        if let method = query.method {
            // The method lives only in the stored text. `json` refuses to read a document with
            // `\u0000` anywhere in it (a client's node name may carry one), so that escape is
            // swapped for U+FFFD first: same shape, so the text stays valid JSON, and the
            // method itself (sanitised) never contains it.
            conditions.append("(replace(event, '\\u0000', '\\ufffd')::json ->> 'method') = \(try parameter(method))")
        }
        if let success = query.success { conditions.append("success = \(try parameter(success))") }
        if let since = query.since { conditions.append("time >= \(try parameter(since))") }
        if let until = query.until { conditions.append("time < \(try parameter(until))") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT id, event FROM (SELECT id, event FROM audit_events \(filter) ORDER BY id DESC LIMIT \(try parameter(Int64(limit)))) newest ORDER BY id"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let rows = try await run { connection, _, logger in
            var rows: [(Int64, String)] = []
            let sequence = try await connection.query(statement, logger: logger)
            for try await row in sequence.decode((Int64, String).self) { rows.append(row) }
            return rows
        }
        let location = target.description
        return try rows.map { id, json in try AuditEvent(storedJSON: json, id: id, location: location) }
    }

    // MARK: Lifecycle

    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        await pool.shutdown()
    }

    // MARK: Helpers

    /// Runs `body` on a pooled connection with the clock's `now` in stored microseconds, and
    /// turns failures into ``JoinError``s.
    private func run<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Int64, Logger) async throws -> T
    ) async throws -> T {
        if closed.withLock({ $0 }) { throw PostgreSQLErrorTranslation.closedError(target: target) }
        let clock = self.clock
        let logger = PostgreSQLConnectionPool.quiet(self.logger)
        do {
            // `now` is read once the connection is there: a wait for it must not make an item
            // that expired meanwhile look live.
            return try await pool.withConnection { connection in
                try await body(connection, BackendTimestamp.microseconds(clock.now), logger)
            }
        } catch {
            throw await translate(error)
        }
    }

    private func translate(_ error: any Error) async -> any Error {
        if closed.withLock({ $0 }) { return PostgreSQLErrorTranslation.closedError(target: target) }
        guard let leaseFailure = error as? PostgreSQLConnectionPool.LeaseFailure else {
            return PostgreSQLErrorTranslation.translate(error, target: target)
        }
        if leaseFailure.underlying is CancellationError { return CancellationError() }
        // The pool only knows it has no connection; a direct attempt says why.
        var failure = leaseFailure.diagnosis
        if failure == nil {
            failure = await probe.failure(within: PostgreSQLConnectionPool.diagnoseAfter * 3)
        }
        let busy = PostgreSQLErrorTranslation.ConnectionFailure(
            reason: "no pooled connection became free in time although the server answers now",
            advice: "the pool reconnects by itself; if this persists, raise pool_max_conns or look for long-running queries",
            retryable: true)
        return PostgreSQLErrorTranslation.unreachable(failure ?? busy, target: target)
    }
}
