import Foundation
import JoinCore

/// One `join_plugins` entry of teleport.yaml (`auth_service.join_plugins` for the server half,
/// `teleport.join_plugins` for the joining side): a join method served by a separate program.
public struct ExternalPluginSpec: Sendable, Equatable {
    /// The method's name, as in `join_method:` / `join_params.method:`.
    public var name: String
    /// Absolute path of the plugin program.
    public var command: String
    /// Lower-case hex SHA-256 of the program; checked before every start.
    public var sha256: String
    /// Handed to the plugin as its settings (`PluginContext.settings` / `ProverContext.settings`).
    public var settings: JSONValue
    /// The longest one call to the plugin may take before the join fails and the plugin is
    /// restarted.
    public var callTimeout: Duration
    /// `env:` — variables set for the program with exactly these values (on top of the minimal
    /// base, see ``PluginChildEnvironment``).
    public var environment: [String: String]
    /// `pass_env:` — names of the host's own variables copied to the program when the host has
    /// them (e.g. `AWS_ACCESS_KEY_ID`, `HTTPS_PROXY`). Nothing else of the host's environment is.
    public var passEnvironment: [String]
    /// `run_as:` — the user the program runs as (its uid, primary gid and groups); needs the
    /// host to run as root. `nil` runs it as the host's own user.
    public var runAs: String?

    public init(name: String, command: String, sha256: String, settings: JSONValue = .object([:]),
                callTimeout: Duration = .seconds(10), environment: [String: String] = [:],
                passEnvironment: [String] = [], runAs: String? = nil) throws {
        guard !name.isEmpty, name.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw JoinError.badParameter("join plugin name \"\(name)\" must be 1-64 lower-case letters, digits, '-' or '_'")
        }
        guard command.hasPrefix("/") else {
            throw JoinError.badParameter("join plugin \(name): command must be an absolute path, got \"\(command)\"")
        }
        let digest = sha256.lowercased()
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit }) else {
            throw JoinError.badParameter("join plugin \(name): sha256 must be the 64 hex digits of the program's SHA-256 (sha256sum \(command))")
        }
        try PluginChildEnvironment.check(environment: environment, passEnvironment: passEnvironment, plugin: name)
        if let runAs { try PluginUser.checkName(runAs, plugin: name) }
        self.name = name
        self.command = command
        self.sha256 = digest
        self.settings = settings
        self.callTimeout = callTimeout
        self.environment = environment
        var seen = Set<String>()
        self.passEnvironment = passEnvironment.filter { seen.insert($0).inserted }
        self.runAs = runAs
    }
}
