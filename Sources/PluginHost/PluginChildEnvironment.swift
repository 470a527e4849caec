import Foundation
import JoinCore
import PluginProtocol

/// The whole environment a plugin program starts with. It is built from an allow-list, never by
/// copying the host's environment and removing what looks secret: an Auth server's environment
/// holds AWS credentials, the PostgreSQL connection string, proxy settings with passwords, and
/// whatever its service manager added, and none of it is the plugin's business.
///
/// What a plugin gets, and why each:
/// - `PATH` — a fixed `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, not the
///   host's: programs a plugin runs are found the same way whether the host was started from a
///   shell (perhaps with `.` or a home directory in its PATH) or by systemd.
/// - `LANG`, `LC_ALL`, `LC_CTYPE`, `TZ` — copied from the host when set: they only shape how
///   text and times are written, so the plugin's output reads like the host's logs.
/// - `TMPDIR` — a private directory for this plugin (mode 0700, owned by the user it runs as),
///   removed when the host stops it, instead of a scratch space shared with the host.
/// - `HOME` — only with `run_as`: that user's home directory from the user database. Without
///   it no `HOME` is set, so libraries that look for `~/.aws/credentials` or similar through
///   `HOME` do not find the host user's by accident.
/// - The plugin protocol's own variables (``PluginEnvironment``): its settings (`config:`),
///   the joining side's `join_params`, its data directory.
/// - What the operator configured for this plugin: `pass_env:` names copied from the host's
///   environment (when set there), then `env:` values. These may override the base (say a
///   different `PATH`), never the protocol's variables.
enum PluginChildEnvironment {
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Host variables every plugin gets when the host has them.
    static let passedFromHost = ["LANG", "LC_ALL", "LC_CTYPE", "TZ"]
    /// The prefix of the plugin protocol's variables, which configuration may not set.
    static let reservedPrefix = "JOINERY_PLUGIN_"

    static func make(spec: ExternalPluginSpec, host: [String: String], protocolVariables: [String: String],
                     temporaryDirectory: String, home: String?) -> [String: String] {
        var environment = ["PATH": path, "TMPDIR": temporaryDirectory]
        for name in passedFromHost { environment[name] = host[name] }
        if let home { environment["HOME"] = home }
        for name in spec.passEnvironment { environment[name] = host[name] }
        environment.merge(spec.environment) { _, configured in configured }
        environment.merge(protocolVariables) { _, reserved in reserved }
        return environment
    }

    /// The values of the protocol's variables for one start.
    static func protocolVariables(settings: JSONValue, joinParams: JSONValue, dataDirectory: URL?) throws -> [String: String] {
        func json(_ value: JSONValue) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }
        return [
            PluginEnvironment.settingsVariable: try json(settings),
            PluginEnvironment.joinParamsVariable: try json(joinParams),
            PluginEnvironment.dataDirectoryVariable: dataDirectory?.path ?? "",
        ]
    }

    /// Refuses `env:` / `pass_env:` entries that could not be set or that would collide.
    static func check(environment: [String: String], passEnvironment: [String], plugin: String) throws {
        for name in environment.keys.sorted() + passEnvironment {
            guard isVariableName(name) else {
                throw JoinError.badParameter(
                    "join plugin \(plugin): \"\(name)\" is not an environment variable name (letters, digits and '_', not starting with a digit)")
            }
            guard !name.uppercased().hasPrefix(reservedPrefix) else {
                throw JoinError.badParameter(
                    "join plugin \(plugin): \(name) is set by Joinery itself; put the plugin's settings under config:")
            }
        }
        for (name, value) in environment where value.utf8.contains(0) {
            throw JoinError.badParameter("join plugin \(plugin): the value of env \(name) contains a NUL byte")
        }
        if let both = passEnvironment.first(where: { environment[$0] != nil }) {
            throw JoinError.badParameter("join plugin \(plugin): \(both) is both in env: and pass_env:; keep one")
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128 else { return false }
        let letters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
        let rest = letters.union(CharacterSet(charactersIn: "0123456789"))
        return letters.contains(first) && name.unicodeScalars.allSatisfy { $0.isASCII && rest.contains($0) }
    }
}
