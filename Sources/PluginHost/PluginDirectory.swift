import Foundation
import JoinCore
#if canImport(Glibc)
import Glibc
#endif

/// The private directory the host keeps for one plugin, short enough for Unix socket paths
/// (107 bytes):
///
/// ```
/// /tmp/joinery-plugin-XXXXXX/     host's, 0700 (0711 when the plugin runs as another user:
///                                 it may enter, not list or change)
///     <name>-<digest>             the checked copy of the program, 0555 (see PluginExecutable)
///     run/                        the plugin's socket; owned by the plugin's user, 0700
///     tmp/                        the plugin's TMPDIR; owned by the plugin's user, 0700
/// ```
///
/// The plugin can write only in `run/` and `tmp/`, so it cannot replace the program the host
/// checked, and with `run_as` other users cannot reach its socket or scratch files.
enum PluginDirectory {
    static func make(plugin: String, user: PluginUser?) throws -> URL {
        var template = Array("/tmp/joinery-plugin-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw JoinError.unavailable("join plugin \(plugin): cannot create a private directory in /tmp")
        }
        let directory = String(cString: made)
        do {
            if let user, user.switches { try check(chmod(directory, 0o711), "chmod", directory, plugin) }
            for name in ["run", "tmp"] {
                let path = directory + "/" + name
                try check(mkdir(path, 0o700), "mkdir", path, plugin)
                if let user, user.switches { try check(chown(path, user.uid, user.gid), "chown", path, plugin) }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return URL(fileURLWithPath: directory)
    }

    static func socket(in directory: URL, start: Int) -> String {
        directory.appendingPathComponent("run/s\(start).sock").path
    }

    static func temporary(in directory: URL) -> String {
        directory.appendingPathComponent("tmp").path
    }

    /// Whether the plugin has made its socket: a socket itself, not a symbolic link to one
    /// elsewhere (the plugin owns `run/`, and must not point the host at another program's
    /// socket).
    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    private static func check(_ result: Int32, _ call: String, _ path: String, _ plugin: String) throws {
        guard result == 0 else {
            throw JoinError.unavailable("join plugin \(plugin): \(call) \(path): \(String(cString: strerror(errno)))")
        }
    }
}
