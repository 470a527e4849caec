import Foundation
import JoinCore

/// The outcomes every backend reports the same way: the item a write returns, and the errors
/// for a live key that exists, a revision that no longer matches, and a key that is missing.
///
/// Kept in one place so that SQLite and PostgreSQL give callers (and people reading logs) the
/// same words, and so that every message names the key through ``BackendItem/displayKey(_:)``.
enum BackendOutcomes {
    /// The item as a later read returns it (expiry rounded to the stored precision).
    static func storedItem(_ key: String, _ value: Data, _ expires: Date?, _ revision: Int64) -> BackendItem {
        BackendItem(key: key, value: value, expires: BackendTimestamp.normalized(expires), revision: revision)
    }

    static func alreadyExists(_ key: String) -> JoinError {
        JoinError.alreadyExists(
            "backend item \(BackendItem.displayKey(key)) already exists; read it and change it with compare-and-swap, or delete it first")
    }

    static func compareFailed(_ key: String, _ expectedRevision: Int64) -> JoinError {
        JoinError.compareFailed(
            "backend item \(BackendItem.displayKey(key)) is no longer at revision \(expectedRevision) (changed, expired or deleted by someone else); read it again and retry")
    }

    static func notFound(_ key: String) -> JoinError {
        JoinError.notFound(
            "backend item \(BackendItem.displayKey(key)) does not exist or has expired; nothing was deleted")
    }
}
