/// The environment a session's process starts with, built the way `sshd` builds it: the
/// account's own variables, a sane PATH, TERM from the PTY request, where the connection comes
/// from, and only those client-sent variables OpenSSH's default `AcceptEnv LANG LC_*` lets in.
///
/// Nothing of this server's own environment leaks into a session.
struct SessionEnvironment: Sendable, Equatable {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    static let maximumAcceptedVariables = 64

    /// Client-sent variables accepted so far, in arrival order (later values replace earlier ones).
    private(set) var accepted: [(name: String, value: String)] = []

    static func == (lhs: SessionEnvironment, rhs: SessionEnvironment) -> Bool {
        lhs.accepted.elementsEqual(rhs.accepted) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Whether a client may set `name` (`LANG`, `LC_*`).
    static func accepts(_ name: String) -> Bool {
        guard !name.isEmpty, !name.contains("="), !name.contains("\0") else { return false }
        return name == "LANG" || name.hasPrefix("LC_")
    }

    /// Records an `env` request; false (and nothing recorded) when the name is not accepted.
    mutating func accept(name: String, value: String) -> Bool {
        guard Self.accepts(name), !value.contains("\0") else { return false }
        if let index = accepted.firstIndex(where: { $0.name == name }) {
            accepted[index].value = value
            return true
        }
        guard accepted.count < Self.maximumAcceptedVariables else { return false }
        accepted.append((name, value))
        return true
    }

    /// `NAME=value` entries for the process.
    func entries(account: UnixAccount, teleportUser: String, term: String?, ttyName: String?,
                 client: (host: String, port: Int)?, server: (host: String, port: Int)?) -> [String] {
        var variables: [(String, String)] = [
            ("HOME", account.home), ("USER", account.name), ("LOGNAME", account.name), ("SHELL", account.shell),
            ("PATH", Self.defaultPath), ("SSH_TELEPORT_USER", teleportUser),
        ]
        if let term, !term.isEmpty, !term.contains("\0") { variables.append(("TERM", term)) }
        if let ttyName, !ttyName.isEmpty { variables.append(("SSH_TTY", ttyName)) }
        if let client {
            variables.append(("SSH_CLIENT", "\(client.host) \(client.port) \(server?.port ?? 0)"))
            if let server {
                variables.append(("SSH_CONNECTION", "\(client.host) \(client.port) \(server.host) \(server.port)"))
            }
        }
        for (name, value) in accepted where !variables.contains(where: { $0.0 == name }) {
            variables.append((name, value))
        }
        return variables.map { "\($0.0)=\($0.1)" }
    }
}
