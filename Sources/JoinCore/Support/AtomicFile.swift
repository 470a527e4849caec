import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that a crash leaves either the old content or the new, never a mix: the
/// data goes to a temporary file in the same directory (created with the final mode), is
/// synced, renamed over the target, and the directory is synced. Shared by the agent's identity
/// store and the bound-keypair client state, whose files must survive a crash the same way.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, mode: mode_t) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(temporaryName(for: url.lastPathComponent))
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(temporary.path)
        }
        guard writeAll(data, to: fd) else { throw failure("write", temporary) }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw failure("sync", temporary) }
        close(fd)
        closed = true
        guard rename(temporary.path, url.path) == 0 else { throw failure("rename into place", url) }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Writes all of `data` to `fd`, retrying interrupted writes; `false` (with `errno` set)
    /// when a write fails.
    public static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Creates `url` as a directory with `mode`, or tightens an existing one to it.
    public static func ensureDirectory(_ url: URL, mode: mode_t) throws {
        if mkdir(url.path, mode) != 0 && errno != EEXIST {
            if errno == ENOENT {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                return try ensureDirectory(url, mode: mode)
            }
            throw failure("create directory", url)
        }
        guard chmod(url.path, mode) == 0 else { throw failure("set permissions on", url) }
    }

    private static func failure(_ action: String, _ url: URL) -> JoinError {
        JoinError.internalError("cannot \(action) \(url.path): \(String(cString: strerror(errno)))")
    }
}
