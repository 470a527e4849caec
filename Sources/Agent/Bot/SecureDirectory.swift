import Foundation
import JoinCore
#if canImport(Glibc)
import Glibc
#endif

/// A tbot directory (an output's `destination`, the bot's `storage`) opened the way Teleport's
/// `symlinks: secure` opens it: no symbolic link anywhere in the path, and the directory owned
/// by the user tbot runs as.
///
/// tbot often runs as root or as a service user and writes private keys for other programs.
/// If any component of the path, or a file inside, were a symbolic link, whoever can plant
/// that link (a user who can write a parent directory, or the output directory itself) would
/// choose where tbot writes, or which file it replaces; a directory owned by another user is
/// one that user can rearrange under tbot at any time. So every component is opened with
/// `O_NOFOLLOW` relative to its parent's descriptor, the final directory's owner is checked on
/// the open descriptor, and files are created and renamed relative to it — what was checked
/// is what is written, whatever is renamed meanwhile. A file whose name is a symbolic link is
/// refused before anything is written; the rename that replaces a file never follows one.
struct SecureDirectory: ~Copyable {
    let path: String
    private let descriptor: Int32
    private let owner: uid_t

    /// Opens (creating with `mode` if missing, as `mkdir -p`) the directory at `url`.
    ///
    /// - Parameter owner: the user the directory must belong to: the effective user.
    init(opening url: URL, mode: mode_t = 0o700, owner: uid_t = geteuid()) throws {
        let path = url.path
        self.path = path
        self.owner = owner
        var current = open(path.hasPrefix("/") ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw Self.failure("open", path) }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        var walked = path.hasPrefix("/") ? "" : "."
        for (index, component) in components.enumerated() {
            walked += "/" + component
            let isLast = index == components.count - 1
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                if mkdirat(current, component, isLast ? mode : 0o755) != 0 && errno != EEXIST {
                    close(current)
                    throw Self.failure("create directory", walked)
                }
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let reason = errno
                var status = stat()
                let isLink = fstatat(current, component, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK
                close(current)
                if isLink { throw Self.symbolicLink(walked, in: path) }
                errno = reason
                throw Self.failure(reason == ENOTDIR ? "use as a directory (it is not one)" : "open", walked)
            }
            close(current)
            current = next
        }
        var status = stat()
        guard fstat(current, &status) == 0 else {
            close(current)
            throw Self.failure("inspect", path)
        }
        guard status.st_uid == owner else {
            close(current)
            throw JoinError.badParameter(
                "refusing to use \(path): it is owned by uid \(status.st_uid), not by uid \(owner) that tbot runs as, so that "
                    + "user could replace what tbot writes there; chown it to uid \(owner) or choose a directory tbot's user owns")
        }
        guard fchmod(current, mode) == 0 else {
            close(current)
            throw Self.failure("set permissions on", path)
        }
        descriptor = current
    }

    deinit { close(descriptor) }

    /// Throws unless `name` is absent or a regular file owned by the directory's owner, so it
    /// may be replaced.
    func checkReplaceable(_ name: String) throws {
        var status = stat()
        guard fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw Self.failure("inspect", file(name))
        }
        switch status.st_mode & S_IFMT {
        case S_IFLNK:
            throw Self.symbolicLink(file(name), in: path)
        case S_IFREG:
            guard status.st_uid == owner else {
                throw JoinError.badParameter(
                    "refusing to replace \(file(name)): it is owned by uid \(status.st_uid), not by uid \(owner) that tbot runs as; "
                        + "remove it or chown it to uid \(owner)")
            }
        default:
            throw JoinError.badParameter("refusing to replace \(file(name)): it is not a regular file; remove it")
        }
    }

    /// Throws if any entry of the directory is a symbolic link.
    func checkNoSymbolicLinks() throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            var status = stat()
            if fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK {
                throw Self.symbolicLink(file(name), in: path)
            }
        }
    }

    /// Replaces `name` whole with `data` (mode `mode`): a temporary named as
    /// ``JoinCore/AtomicFile`` names them, synced, renamed over `name`, the directory synced.
    func write(_ data: Data, named name: String, mode: mode_t) throws {
        try checkReplaceable(name)
        let temporary = AtomicFile.temporaryName(for: name)
        let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Self.failure("create", file(temporary)) }
        var renamed = false
        defer { if !renamed { unlinkat(descriptor, temporary, 0) } }
        do {
            defer { close(fd) }
            guard AtomicFile.writeAll(data, to: fd) else { throw Self.failure("write", file(temporary)) }
            guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw Self.failure("sync", file(temporary)) }
        }
        guard renameat(descriptor, temporary, descriptor, name) == 0 else { throw Self.failure("rename into place", file(name)) }
        renamed = true
        fsync(descriptor)
    }

    private func file(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    private static func symbolicLink(_ link: String, in directory: String) -> JoinError {
        JoinError.badParameter(
            "refusing to use \(link): it is a symbolic link, and tbot follows no symbolic links in its directories "
                + "(as Teleport's symlinks: secure); replace it with a real directory or file, or set the path of \(directory) "
                + "to where the link points")
    }

    private static func failure(_ action: String, _ path: String) -> JoinError {
        JoinError.internalError("cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
