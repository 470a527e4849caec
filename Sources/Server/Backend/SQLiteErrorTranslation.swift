import Foundation
import GRDB
import JoinCore

/// Turns what SQLite and GRDB throw into ``JoinError``s a person can act on.
///
/// Only SQLite's own message and result code are used, never GRDB's description: that one may
/// include the SQL and, if configured, its arguments — item values hold secrets.
enum SQLiteErrorTranslation {
    /// The error for a failure while opening `path`.
    static func openingError(_ error: any Error, path: URL) -> any Error {
        let file = path.path(percentEncoded: false)
        guard let databaseError = error as? DatabaseError else { return translate(error, path: path) }
        switch databaseError.resultCode {
        case .SQLITE_NOTADB:
            return JoinError.badParameter(
                "\(file) is not an SQLite database; move it aside or point the storage path at another file")
        case .SQLITE_CORRUPT:
            return JoinError.internalError(
                "the SQLite database \(file) is corrupt (\(databaseError.message ?? "malformed")); restore it from a backup")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return JoinError.unavailable(
                "cannot open the SQLite database \(file) for writing (\(databaseError.message ?? "permission denied")); check the file's owner and mode and its directory")
        default:
            return translate(error, path: path)
        }
    }

    /// The error for a failure of an operation on the open database at `path`.
    static func translate(_ error: any Error, path: URL) -> any Error {
        if error is JoinError || error is CancellationError { return error }
        let file = path.path(percentEncoded: false)
        guard let databaseError = error as? DatabaseError else {
            return JoinError.internalError("SQLite backend \(file): \(error)")
        }
        let detail = databaseError.message ?? "SQLite error \(databaseError.extendedResultCode.rawValue)"
        switch databaseError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return JoinError.unavailable(
                "the SQLite database \(file) stayed locked by another writer for more than \(Int(SQLiteBackend.busyTimeout)) s; retry, and check that no other process holds it open in a long transaction")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return JoinError.unavailable(
                "cannot write the SQLite database \(file) (\(detail)); check free disk space and the disk's health")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return JoinError.unavailable(
                "cannot write the SQLite database \(file) (\(detail)); check the file's owner and mode")
        case .SQLITE_MISUSE where databaseError.message == "Connection is closed":
            return closedError(path: path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return JoinError.internalError(
                "the SQLite database \(file) is damaged (\(detail)); restore it from a backup")
        default:
            return JoinError.internalError("SQLite backend \(file): \(detail)")
        }
    }

    static func closedError(path: URL) -> JoinError {
        JoinError.unavailable(
            "the SQLite backend at \(path.path(percentEncoded: false)) is closed; open a new one")
    }
}
