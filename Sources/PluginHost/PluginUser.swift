import Foundation
import JoinCore
#if canImport(Glibc)
import Glibc
#endif

/// The user a plugin program runs as (`run_as:`), resolved from the user database when the
/// plugin is loaded, so a missing user or a host that cannot switch users stops start-up with
/// its reason instead of failing the first join.
///
/// The program gets the user's uid, its primary gid and exactly the groups the group database
/// gives it (as `login` or systemd's `User=` would); none of the host's own groups.
struct PluginUser: Sendable, Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let groups: [gid_t]
    let home: String
    /// Whether starting the program must change identity: false when the host already runs as
    /// this user (an unprivileged host naming itself).
    let switches: Bool

    /// Looks `name` up and checks that a process running as `hostUID` can become it.
    static func resolve(_ name: String, plugin: String, hostUID: uid_t = geteuid()) throws -> PluginUser {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, let found = result?.pointee else {
            throw JoinError.badParameter(
                "join plugin \(plugin): run_as user \"\(name)\" does not exist on this host (check with `getent passwd \(name)`)")
        }
        let uid = found.pw_uid
        let gid = found.pw_gid
        let home = found.pw_dir.map { String(cString: $0) } ?? "/"
        guard hostUID == 0 || hostUID == uid else {
            throw JoinError.badParameter(
                "join plugin \(plugin): run_as: \(name) needs this process to run as root to switch users, but it runs as uid \(hostUID); start it as root or remove run_as")
        }
        return PluginUser(name: name, uid: uid, gid: gid, groups: try groups(of: name, primary: gid, plugin: plugin),
                          home: home, switches: hostUID == 0)
    }

    private static func groups(of name: String, primary: gid_t, plugin: String) throws -> [gid_t] {
        var count: Int32 = 32
        for _ in 0..<8 {
            var list = [gid_t](repeating: 0, count: Int(count))
            var asked = count
            if getgrouplist(name, primary, &list, &asked) >= 0 { return Array(list.prefix(Int(asked))) }
            count = max(asked, count * 2)
        }
        throw JoinError.badParameter("join plugin \(plugin): cannot read the groups of run_as user \"\(name)\"")
    }

    /// A user name as the user database holds it; checked when the config is read.
    static func checkName(_ name: String, plugin: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard !name.isEmpty, name.utf8.count <= 32, allowed, !name.hasPrefix("-") else {
            throw JoinError.badParameter(
                "join plugin \(plugin): run_as must be a user name (up to 32 letters, digits, '.', '_' or '-'), got \"\(name)\"")
        }
    }
}
