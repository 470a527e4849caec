import Foundation

/// How OpenSSH reaches the cluster's nodes with tsh's keys: through `tsh proxy ssh` (the
/// Proxy Service), checking the node's host key against what the cluster certified for it
/// when it joined (`tsh known-hosts`, OpenSSH's KnownHostsCommand). Used by `tsh config` and
/// `tsh ssh` alike.
struct OpenSSHOptions {
    let profile: TshProfile
    let store: ProfileStore

    /// This tsh, by absolute path (OpenSSH requires one for KnownHostsCommand), with
    /// `TELEPORT_HOME` carried along when it is set (OpenSSH runs the commands with the
    /// caller's environment, which may not have it).
    var tshCommand: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if let home = ProcessInfo.processInfo.environment["TELEPORT_HOME"], !home.isEmpty {
            return "/usr/bin/env TELEPORT_HOME=\(Self.quoted(home)) \(Self.quoted(executable))"
        }
        return Self.quoted(executable)
    }

    /// `Key value` pairs, in ssh_config spelling.
    var common: [(String, String)] {
        let paths = store.paths(profile)
        return [
            ("UserKnownHostsFile", Self.quoted(store.knownHosts.path)),
            ("IdentityFile", Self.quoted(paths.sshKey.path)),
            ("CertificateFile", Self.quoted(paths.sshCertificate.path)),
            ("IdentitiesOnly", "yes"),
            ("KnownHostsCommand", "\(tshCommand) known-hosts %H"),
            ("StrictHostKeyChecking", "yes"),
        ]
    }

    var proxyCommand: (String, String) { ("ProxyCommand", "\(tshCommand) proxy ssh %r@%h:%p") }

    /// The ssh_config text `tsh config` prints.
    func configText() -> String {
        let cluster = profile.cluster
        var text = "# Begin generated Teleport configuration for \(profile.proxy) by tsh\n\n"
        text += "# Common flags for all \(cluster) hosts\nHost *.\(cluster)\n"
        text += common.map { "    \($0.0) \($0.1)\n" }.joined()
        text += "    Port 3022\n    \(proxyCommand.0) \(proxyCommand.1)\n\n"
        text += "# End generated Teleport configuration\n"
        return text
    }

    /// Arguments for `ssh` to run `command` (or a shell) as `login` on `host`.
    func sshArguments(login: String, host: String, port: Int, command: [String], forceTTY: Bool) -> [String] {
        var arguments = ["ssh", "-F", "/dev/null"]
        for (key, value) in common + [proxyCommand] { arguments += ["-o", "\(key)=\(value)"] }
        arguments += ["-p", String(port), "-l", login]
        if forceTTY { arguments.append("-tt") }
        arguments.append(host)
        if !command.isEmpty { arguments += ["--"] + command }
        return arguments
    }

    /// A value OpenSSH reads as one word.
    static func quoted(_ text: String) -> String {
        // Paths and names reach here checked; a control character would still end the line.
        let text = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        return text.contains(where: { $0 == " " || $0 == "\"" || $0 == "'" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
    }
}
