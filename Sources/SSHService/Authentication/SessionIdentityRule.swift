#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether this process can start sessions as a given account: as root it can become anyone;
/// otherwise it can only run sessions as itself, so other logins are refused at authentication
/// rather than failing later when the shell cannot be started.
struct SessionIdentityRule: Sendable {
    var processUID: uid_t

    static var current: SessionIdentityRule { SessionIdentityRule(processUID: getuid()) }

    /// Whether sessions must switch to the account's uid, gid and groups.
    var switchesUser: Bool { processUID == 0 }

    func check(_ account: UnixAccount) throws(LoginRefusal) {
        guard processUID == 0 || account.uid == processUID else {
            throw LoginRefusal(
                "this SSH Service runs as UID \(processUID) and cannot start sessions for login \(account.name)")
        }
    }
}
