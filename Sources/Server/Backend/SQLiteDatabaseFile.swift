#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JoinCore

/// The SQLite database file and its WAL companions, kept readable by their owner only.
///
/// The database holds token secrets and CA keys, so it must never be group- or
/// world-readable, not even for the instant between SQLite creating it and someone fixing its
/// mode. We therefore create the file ourselves with mode 0600 before SQLite opens it (SQLite
/// accepts an empty file as a new database), and SQLite gives the `-wal` and `-shm` files it
/// creates the mode of the database file. ``restrictCompanionFiles(of:)`` checks them after
/// opening anyway, in case they were left behind by another tool.
enum SQLiteDatabaseFile {
    /// The files SQLite keeps beside a WAL database.
    static func companionPaths(of path: URL) -> [URL] {
        let base = path.path(percentEncoded: false)
        return ["-wal", "-shm"].map { URL(fileURLWithPath: base + $0) }
    }

    /// Creates the database file (and its directory, mode 0700) if missing, and makes sure
    /// the file's mode is 0600.
    static func prepare(_ path: URL) throws {
        let directory = path.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.path(percentEncoded: false)) {
            do {
                try FileManager.default.createDirectory(
                    at: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw JoinError.unavailable(
                    "cannot create the directory \(directory.path(percentEncoded: false)) for the SQLite backend: \(error.localizedDescription); create it (mode 0700) or choose another data_dir")
            }
        }

        let file = path.path(percentEncoded: false)
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JoinError.unavailable(
                "cannot open the SQLite database \(file): \(lastErrorDescription()); check that it is a regular file this user may read and write")
        }
        defer { _ = close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else {
            throw JoinError.unavailable(
                "cannot restrict the SQLite database \(file) to mode 0600: \(lastErrorDescription()); run as the file's owner or fix its mode")
        }
    }

    /// Brings any `-wal` / `-shm` file that is readable by others down to mode 0600.
    static func restrictCompanionFiles(of path: URL) throws {
        for companion in companionPaths(of: path) {
            let file = companion.path(percentEncoded: false)
            var status = stat()
            guard stat(file, &status) == 0 else { continue }
            guard status.st_mode & 0o077 != 0 else { continue }
            guard chmod(file, 0o600) == 0 else {
                throw JoinError.unavailable(
                    "\(file) is readable by other users and cannot be restricted to mode 0600: \(lastErrorDescription()); fix its mode before starting")
            }
        }
    }

    private static func lastErrorDescription() -> String {
        String(cString: strerror(errno))
    }
}
