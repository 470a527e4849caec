/// What to start for a session: program, arguments, environment, directory, as whom, on what.
struct SessionLaunch: Sendable, Equatable {
    var path: String
    /// `argv`, `argv[0]` included (`-bash` for a login shell).
    var arguments: [String]
    /// `NAME=value` entries.
    var environment: [String]
    var directory: String
    /// The account to become; nil keeps this process's identity (when it is not root).
    var switchTo: UnixAccount?

    /// The shell the login would get from `sshd`: `shell` as a login shell (`argv[0]` = `-bash`),
    /// or `shell -c command` for an exec request.
    static func forLogin(_ account: UnixAccount, command: String?, environment: [String], switchUser: Bool) -> SessionLaunch {
        let shellName = account.shell.split(separator: "/").last.map(String.init) ?? "sh"
        let arguments = command.map { [shellName, "-c", $0] } ?? ["-" + shellName]
        return SessionLaunch(
            path: account.shell, arguments: arguments, environment: environment, directory: account.home,
            switchTo: switchUser ? account : nil)
    }
}

/// A terminal's size as `pty-req` and `window-change` carry it.
struct TerminalSize: Sendable, Equatable {
    var rows: Int
    var columns: Int
    var widthPixels: Int = 0
    var heightPixels: Int = 0
}
