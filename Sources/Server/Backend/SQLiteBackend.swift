import Foundation
import GRDB
import JoinCore
import Synchronization

/// The embedded ``Backend``: one SQLite file in `data_dir`, in WAL mode, through GRDB over the
/// system libsqlite3.
///
/// Every write is one `IMMEDIATE` transaction that takes the next revision from the database's
/// counter; conditional writes are a single conditional statement whose affected row count
/// decides the outcome, so the rule holds even when other processes open the same file (they
/// wait up to ``busyTimeout`` for the write lock instead of failing). Reads run on WAL reader
/// connections and never wait for writers. Expired rows are invisible to every read and
/// conditional write, by comparison with the injected clock, until ``deleteExpired()`` removes
/// them.
public final class SQLiteBackend: Backend {
    /// How long a write waits for another connection's write lock before failing `.unavailable`.
    public static let busyTimeout: TimeInterval = 10

    /// The database file.
    public let path: URL
    private let clock: any JoinClock
    private let pool: DatabasePool
    private let closed = Mutex(false)

    /// Opens (creating if needed, mode 0600) the SQLite database at `path` and brings its
    /// schema up to date.
    ///
    /// - Throws: `.badParameter` when `path` holds something that is not an SQLite database;
    ///   `.unavailable` when the file or its directory cannot be created or written.
    public init(path: URL, clock: any JoinClock) throws {
        self.path = path
        self.clock = clock
        try SQLiteDatabaseFile.prepare(path)

        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "Joinery.SQLiteBackend"
        do {
            pool = try DatabasePool(path: path.path(percentEncoded: false), configuration: configuration)
            try SQLiteSchema.migrator().migrate(pool)
        } catch {
            throw SQLiteErrorTranslation.openingError(error, path: path)
        }
        try SQLiteDatabaseFile.restrictCompanionFiles(of: path)
    }

    // MARK: Items

    public func get(_ key: String) async throws -> BackendItem? {
        try await read { db, now in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(SQLiteSchema.itemColumns) FROM items WHERE key = :key AND \(SQLiteSchema.isLive)"),
                arguments: ["key": key, "now": now]
            ).map(SQLiteSchema.item(from:))
        }
    }

    public func create(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        try await write { db, now in
            let revision = try SQLiteSchema.nextRevision(db)
            try db.cachedStatement(sql: "DELETE FROM items WHERE key = :key AND NOT \(SQLiteSchema.isLive)")
                .execute(arguments: ["key": key, "now": now])
            try db.cachedStatement(sql: """
                    INSERT INTO items (key, value, expires, revision)
                    VALUES (:key, COALESCE(:value, X''), :expires, :revision)
                    ON CONFLICT (key) DO NOTHING
                    """).execute(arguments: Self.itemArguments(key, value, expires, revision))
            guard db.changesCount == 1 else {
                throw BackendOutcomes.alreadyExists(key)
            }
            return BackendOutcomes.storedItem(key, value, expires, revision)
        }
    }

    public func put(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        try await write { db, _ in
            let revision = try SQLiteSchema.nextRevision(db)
            try db.cachedStatement(sql: """
                    INSERT INTO items (key, value, expires, revision)
                    VALUES (:key, COALESCE(:value, X''), :expires, :revision)
                    ON CONFLICT (key) DO UPDATE SET
                        value = excluded.value, expires = excluded.expires, revision = excluded.revision
                    """).execute(arguments: Self.itemArguments(key, value, expires, revision))
            return BackendOutcomes.storedItem(key, value, expires, revision)
        }
    }

    public func compareAndSwap(
        _ key: String, expectedRevision: Int64, value: Data, expires: Date?
    ) async throws -> BackendItem {
        try await write { db, now in
            let revision = try SQLiteSchema.nextRevision(db)
            var arguments = Self.itemArguments(key, value, expires, revision)
            _ = arguments.append(contentsOf: ["expected": expectedRevision, "now": now])
            try db.cachedStatement(sql: """
                    UPDATE items SET value = COALESCE(:value, X''), expires = :expires, revision = :revision
                    WHERE key = :key AND revision = :expected AND \(SQLiteSchema.isLive)
                    """).execute(arguments: arguments)
            guard db.changesCount == 1 else {
                throw BackendOutcomes.compareFailed(key, expectedRevision)
            }
            return BackendOutcomes.storedItem(key, value, expires, revision)
        }
    }

    public func delete(_ key: String) async throws {
        try await write { db, now in
            _ = try SQLiteSchema.nextRevision(db)
            try db.cachedStatement(sql: "DELETE FROM items WHERE key = :key AND \(SQLiteSchema.isLive)")
                .execute(arguments: ["key": key, "now": now])
            guard db.changesCount == 1 else {
                throw BackendOutcomes.notFound(key)
            }
        }
    }

    public func compareAndDelete(_ key: String, expectedRevision: Int64) async throws {
        try await write { db, now in
            _ = try SQLiteSchema.nextRevision(db)
            try db.cachedStatement(sql: "DELETE FROM items WHERE key = :key AND revision = :expected AND \(SQLiteSchema.isLive)")
                .execute(arguments: ["key": key, "expected": expectedRevision, "now": now])
            guard db.changesCount == 1 else {
                throw BackendOutcomes.compareFailed(key, expectedRevision)
            }
        }
    }

    public func range(prefix: String) async throws -> [BackendItem] {
        // `substr` counts characters on TEXT, so compare the prefix by its Unicode scalar count;
        // unlike LIKE this has no wildcards and is case-sensitive. `key >= :prefix AND key <
        // :upper` lets the primary key index scan only the prefix's keys (``KeyPrefixRange``).
        let upper = KeyPrefixRange(prefix).upperBound
        let bound = upper == nil ? "" : "AND key < :upper"
        return try await read { db, now in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT \(SQLiteSchema.itemColumns) FROM items
                    WHERE key >= :prefix \(bound) AND substr(key, 1, :length) = :prefix AND \(SQLiteSchema.isLive)
                    ORDER BY key
                    """),
                arguments: ["prefix": prefix, "upper": upper, "length": prefix.unicodeScalars.count, "now": now]
            ).map(SQLiteSchema.item(from:))
        }
    }

    public func deleteExpired() async throws -> Int {
        try await write { db, now in
            try db.cachedStatement(sql: "DELETE FROM items WHERE expires IS NOT NULL AND expires <= :now")
                .execute(arguments: ["now": now])
            return db.changesCount
        }
    }

    // MARK: Audit log

    public func appendAuditEvent(_ event: AuditEvent) async throws {
        let json = try event.storedJSON()
        try await write { db, _ in
            try db.cachedStatement(sql: "INSERT INTO audit_events (time, type, success, event) VALUES (?, ?, ?, ?)")
                .execute(arguments: [SQLiteSchema.Timestamp.microseconds(event.time), event.type, event.success, json])
        }
    }

    public func auditEvents(limit: Int, matching query: AuditQuery) async throws -> [AuditEvent] {
        guard limit > 0 else { return [] }
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let method = query.method {
            // The method lives only in the stored JSON; SQLite reads it in place.
            conditions.append("json_extract(event, '$.method') = ?")
            arguments += [method]
        }
        if let success = query.success {
            conditions.append("success = ?")
            arguments += [success]
        }
        if let since = query.since {
            conditions.append("time >= ?")
            arguments += [SQLiteSchema.Timestamp.microseconds(since)]
        }
        if let until = query.until {
            conditions.append("time < ?")
            arguments += [SQLiteSchema.Timestamp.microseconds(until)]
        }
        arguments += [limit]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT id, event FROM (SELECT id, event FROM audit_events \(filter) ORDER BY id DESC LIMIT ?) ORDER BY id"
        let bound = arguments
        let rows = try await read { db, _ in
            try Row.fetchAll(db, sql: sql, arguments: bound)
                .map { row -> (id: Int64, json: String) in (row[0], row[1]) }
        }
        return try rows.map { id, json in
            try AuditEvent(storedJSON: json, id: id, location: path.path(percentEncoded: false))
        }
    }

    // MARK: Lifecycle

    /// Runs SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound database, otherwise one
    /// line per problem found.
    public func integrityCheck() async throws -> [String] {
        try await read { db, _ in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        do {
            try pool.close()
        } catch {
            throw SQLiteErrorTranslation.translate(error, path: path)
        }
    }

    // MARK: Helpers

    /// Runs `body` in one write transaction with the clock's `now` in stored microseconds.
    private func write<T: Sendable>(
        _ body: @escaping @Sendable (Database, Int64) throws -> T
    ) async throws -> T {
        try ensureOpen()
        let clock = self.clock
        do {
            return try await pool.write { db in
                try body(db, SQLiteSchema.Timestamp.microseconds(clock.now))
            }
        } catch {
            throw SQLiteErrorTranslation.translate(error, path: path)
        }
    }

    /// Runs `body` on a read-only snapshot with the clock's `now` in stored microseconds.
    private func read<T: Sendable>(
        _ body: @escaping @Sendable (Database, Int64) throws -> T
    ) async throws -> T {
        try ensureOpen()
        let clock = self.clock
        do {
            return try await pool.read { db in
                try body(db, SQLiteSchema.Timestamp.microseconds(clock.now))
            }
        } catch {
            throw SQLiteErrorTranslation.translate(error, path: path)
        }
    }

    private func ensureOpen() throws {
        if closed.withLock({ $0 }) { throw SQLiteErrorTranslation.closedError(path: path) }
    }

    private static func itemArguments(_ key: String, _ value: Data, _ expires: Date?, _ revision: Int64) -> StatementArguments {
        ["key": key, "value": value, "expires": expires.map(SQLiteSchema.Timestamp.microseconds), "revision": revision]
    }
}
