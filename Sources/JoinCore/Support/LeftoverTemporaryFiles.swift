import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Removes what an ``AtomicFile`` write interrupted by a crash (or a kill) left behind.
///
/// A write goes to `.<name>.<UUID>.tmp` first and is renamed over `<name>` only when complete,
/// so a crash mid-write leaves the old file intact and a stray temporary next to it — which may
/// hold a private key, readable by nobody but the owner, yet never cleaned up and never
/// rotated. Processes sweep the directories they write at start, before writing anything.
///
/// Only files in exactly the writer's shape (``AtomicFile/isTemporaryName(_:)``) and of type
/// regular file are removed, in the listed directories only (not below them, never through a
/// symbolic link): a user's `notes.tmp`, or a temporary in any other directory, is left alone.
/// The log says how many were removed and where, never what they held.
public enum LeftoverTemporaryFiles {
    /// Removes leftover temporaries from each directory that exists; returns how many.
    @discardableResult
    public static func sweep(_ directories: [URL], logger: Logger) -> Int {
        var removed = 0
        var failed = 0
        for directory in directories {
            let (gone, left) = sweep(directory)
            removed += gone
            failed += left
            if gone > 0 {
                logger.info("removed leftover temporary files of an interrupted write",
                            metadata: ["directory": "\(directory.path)", "count": "\(gone)"])
            }
            if left > 0 {
                logger.warning("could not remove leftover temporary files of an interrupted write",
                               metadata: ["directory": "\(directory.path)", "count": "\(left)"])
            }
        }
        logger.debug("start-up sweep of temporary files done",
                     metadata: ["directories": "\(directories.count)", "removed": "\(removed)", "failed": "\(failed)"])
        return removed
    }

    /// (removed, could not remove) in one directory.
    private static func sweep(_ directory: URL) -> (Int, Int) {
        // O_NOFOLLOW: a directory that is a symbolic link is not swept (its target is not ours
        // to clean); every name is then resolved relative to this descriptor.
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return (0, 0) }
        defer { close(fd) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return (0, 0) }
        var removed = 0
        var failed = 0
        for name in names where AtomicFile.isTemporaryName(name) {
            var status = stat()
            guard fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            if unlinkat(fd, name, 0) == 0 {
                removed += 1
            } else {
                failed += 1
            }
        }
        return (removed, failed)
    }
}
