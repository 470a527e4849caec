import Foundation
import GRDB

/// The SQLite tables behind ``SQLiteBackend`` and the mapping between their rows and
/// ``BackendItem``s.
///
/// Kept apart from the backend so the schema's history (one migration per change, never
/// edited once shipped) reads in one place.
///
/// - `items`: one row per key. `expires` is whole microseconds since 1970 (the precision
///   PostgreSQL's `timestamptz` keeps too), `NULL` for never; comparing integers keeps the
///   expiry filter exact and indexable.
/// - `revision_counter`: a single row holding the last revision handed out. Every write takes
///   the next one inside its own transaction, so revisions strictly increase across the whole
///   database, not per key.
/// - `audit_events`: append-only, with its own autoincrement id giving the order; the event is
///   kept as its JSON form, with the time and type beside it for queries.
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: items, revision counter, audit events") { db in
            try db.execute(sql: """
                CREATE TABLE items (
                    key      TEXT    NOT NULL PRIMARY KEY,
                    value    BLOB    NOT NULL,
                    expires  INTEGER,
                    revision INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX items_by_expiry ON items (expires) WHERE expires IS NOT NULL;

                CREATE TABLE revision_counter (
                    id            INTEGER PRIMARY KEY CHECK (id = 1),
                    last_revision INTEGER NOT NULL
                );
                INSERT INTO revision_counter (id, last_revision) VALUES (1, 0);

                CREATE TABLE audit_events (
                    id      INTEGER PRIMARY KEY AUTOINCREMENT,
                    time    INTEGER NOT NULL,
                    type    TEXT    NOT NULL,
                    success INTEGER NOT NULL,
                    event   TEXT    NOT NULL
                );
                """)
        }
        return migrator
    }

    /// Takes the next revision; must run inside the write's transaction so that a failed
    /// write gives it back.
    static func nextRevision(_ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: "UPDATE revision_counter SET last_revision = last_revision + 1 WHERE id = 1").execute()
        guard let revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT last_revision FROM revision_counter WHERE id = 1")) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the revision counter row is missing")
        }
        return revision
    }

    /// The columns every item query selects, in the order ``item(from:)`` reads them.
    static let itemColumns = "key, value, expires, revision"

    /// The condition that keeps only live items, given the clock as `:now` microseconds.
    static let isLive = "(expires IS NULL OR expires > :now)"

    static func item(from row: Row) -> BackendItem {
        let expires: Int64? = row[2]
        return BackendItem(
            key: row[0],
            value: row[1] ?? Data(),
            expires: expires.map(Timestamp.date(fromMicroseconds:)),
            revision: row[3])
    }

    /// Dates as stored: whole microseconds since 1970 (shared with the PostgreSQL backend).
    typealias Timestamp = BackendTimestamp
}
