#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A login's entry in the passwd database, and its supplementary groups: what a session needs
/// to start a process as that user.
struct UnixAccount: Sendable, Equatable {
    var name: String
    var uid: uid_t
    var gid: gid_t
    var home: String
    /// The login shell; `/bin/sh` when the entry names none.
    var shell: String
    /// From getgrouplist, the primary group included.
    var groups: [gid_t]

    /// Looks `name` up with getpwnam_r; nil when there is no such user.
    static func lookUp(_ name: String) -> UnixAccount? {
        guard !name.isEmpty, !name.contains("\0") else { return nil }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var bufferSize = 4096
        while true {
            var buffer = [CChar](repeating: 0, count: bufferSize)
            let status = getpwnam_r(name, &entry, &buffer, bufferSize, &result)
            if status == ERANGE && bufferSize < 1 << 20 {
                bufferSize *= 4
                continue
            }
            guard status == 0, result != nil else { return nil }
            let shell = entry.pw_shell.map { String(cString: $0) } ?? ""
            return UnixAccount(
                name: name, uid: entry.pw_uid, gid: entry.pw_gid,
                home: entry.pw_dir.map { String(cString: $0) } ?? "/",
                shell: shell.isEmpty ? "/bin/sh" : shell,
                groups: supplementaryGroups(of: name, primary: entry.pw_gid))
        }
    }

    private static func supplementaryGroups(of name: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(name, primary, &groups, &found) >= 0 {
                return Array(groups.prefix(Int(found)))
            }
            guard found > count, count < 65536 else { return [primary] }
            count = found
        }
    }
}
