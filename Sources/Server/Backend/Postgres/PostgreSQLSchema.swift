import Foundation
import JoinCore
import Logging
import PostgresNIO

/// The PostgreSQL tables behind ``PostgreSQLBackend``, the migrations that create them, and
/// the mapping between their rows and ``BackendItem``s.
///
/// - `items`: one row per key. `key` is `COLLATE "C"`, so equality, ordering and the prefix
///   match are byte for byte, whatever the database's locale. `expires` is whole microseconds
///   since 1970 as in SQLite (``BackendTimestamp``), `NULL` for never; the backend compares it
///   with its own clock, never the database's `now()`, so every Auth server and both backends
///   agree on what has expired.
/// - `item_revisions`: the one sequence every write takes its revision from (`CACHE 1`, so
///   values increase across all sessions, not only within one).
/// - `audit_events`: append-only, ordered by its identity column; a trigger refuses `UPDATE`,
///   `DELETE` and `TRUNCATE`, so not even a slip at a `psql` prompt rewrites the log.
/// - `joinery_schema`: the version of this schema, one row.
///
/// ``prepare(on:target:logger:)`` runs the missing migrations in one transaction that first takes a
/// transaction-level advisory lock: two Auth servers starting at the same instant on an empty
/// database serialise there (the second sees the first's tables), whereas two bare
/// `CREATE TABLE IF NOT EXISTS` would race on PostgreSQL's catalog and one would fail.
enum PostgreSQLSchema {
    /// `pg_advisory_xact_lock` keys ("joinery" and a number); advisory locks are per database.
    static let migrationLock: Int64 = 0x6A6F_696E_6572_7901
    static let sweepLock: Int64 = 0x6A6F_696E_6572_7902

    /// Each migration once shipped is never edited; a change is a new one appended here.
    static let migrations: [(version: Int32, statements: [String])] = [
        (1, [
            """
            CREATE SEQUENCE item_revisions AS BIGINT START WITH 1 CACHE 1 NO CYCLE
            """,
            """
            CREATE TABLE items (
                key      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                value    BYTEA  NOT NULL,
                expires  BIGINT,
                revision BIGINT NOT NULL
            )
            """,
            """
            CREATE INDEX items_by_expiry ON items (expires) WHERE expires IS NOT NULL
            """,
            """
            CREATE TABLE audit_events (
                id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time    TIMESTAMPTZ NOT NULL,
                type    TEXT        NOT NULL,
                success BOOLEAN     NOT NULL,
                event   TEXT        NOT NULL
            )
            """,
            """
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only: % on audit_events is refused', TG_OP;
            END
            $$
            """,
            """
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
            """,
            """
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
            """,
        ]),
    ]

    /// Brings the schema up to date; safe to run from any number of servers at once.
    ///
    /// - Throws: `.badParameter` when the database is not UTF-8 or already holds tables of
    ///   the same names that Joinery did not create; `.internalError` when it was migrated by
    ///   a newer Joinery.
    static func prepare(on connection: PostgresConnection, target: PostgreSQLTarget, logger: Logger) async throws {
        let migrated = logger
        let logger = PostgreSQLConnectionPool.quiet(logger)
        let encoding = try await connection.query("SHOW server_encoding", logger: logger).decode(String.self).first { _ in true }
        guard encoding == "UTF8" else {
            throw JoinError.badParameter(
                "\(target) uses the encoding \(encoding ?? "unknown"); Joinery needs UTF8: create the database with ENCODING 'UTF8'")
        }
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger).consume()
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS joinery_schema (
                    id      INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL
                )
                """, logger: logger
            ).consume()
            let current = try await connection.query("SELECT version FROM joinery_schema WHERE id = 1", logger: logger)
                .decode(Int32.self).first { _ in true } ?? 0
            guard let newest = migrations.last?.version, current <= newest else {
                throw JoinError.internalError(
                    "\(target) holds schema version \(current), newer than this Joinery knows (\(migrations.last?.version ?? 0)); run the newer Joinery or restore a backup")
            }
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).consume()
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P07" || error.serverInfo?[.sqlState] == "42723" {
                        throw JoinError.badParameter(
                            "\(target) already holds \(error.serverInfo?[.message] ?? "a table of the same name") that Joinery did not create; give Joinery a database of its own")
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO joinery_schema (id, version) VALUES (1, \(migration.version))
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version
                    """, logger: logger
                ).consume()
                migrated.info("PostgreSQL schema migrated", metadata: ["server": "\(target)", "version": "\(migration.version)"])
            }
        }
    }

    /// The columns every item query selects, in the order ``items(from:)`` reads them.
    static let itemColumns = "key, value, expires, revision"

    static func items(from rows: PostgresRowSequence) async throws -> [BackendItem] {
        var items: [BackendItem] = []
        for try await (key, value, expires, revision) in rows.decode((String, Data, Int64?, Int64).self) {
            items.append(BackendItem(
                key: key, value: value, expires: expires.map(BackendTimestamp.date(fromMicroseconds:)), revision: revision))
        }
        return items
    }
}

extension PostgresQuery.StringInterpolation {
    /// `(expires IS NULL OR expires > $n)`: the item is live at `now` (microseconds).
    mutating func appendInterpolation(liveAt now: Int64) {
        appendInterpolation(unescaped: "(expires IS NULL OR expires > ")
        appendInterpolation(now)
        appendInterpolation(unescaped: ")")
    }
}

extension PostgresRowSequence {
    /// Reads every row, for statements whose rows do not matter; the count of rows read.
    @discardableResult
    func consume() async throws -> Int {
        var count = 0
        for try await _ in self { count += 1 }
        return count
    }
}
