import Foundation
import Logging

/// What a join method receives when the registry makes it: its dependencies, never globals.
public struct PluginContext: Sendable {
    public var clock: any JoinClock
    public var logger: Logger
    /// The whole `auth_service` section of teleport.yaml; a plugin reads the keys it declared
    /// in ``JoinMethodPlugin/authServiceKeys`` (e.g. static reads `tokens`).
    public var authService: JSONValue
    /// The Auth server's `data_dir`, for plugins that keep files.
    public var dataDirectory: URL?
    /// The plugin's own settings: for an external plugin, the `config` of its
    /// `auth_service.join_plugins` entry; empty for built-in plugins.
    public var settings: JSONValue

    public init(clock: any JoinClock = SystemClock(), logger: Logger = Logger(label: "joinery.plugin"),
                authService: JSONValue = .object([:]), dataDirectory: URL? = nil, settings: JSONValue = .object([:])) {
        self.clock = clock
        self.logger = logger
        self.authService = authService
        self.dataDirectory = dataDirectory
        self.settings = settings
    }
}

/// What a join prover receives when the join client makes it.
public struct ProverContext: Sendable {
    public var clock: any JoinClock
    public var logger: Logger
    /// The `teleport.join_params` section of teleport.yaml (method-specific options).
    public var joinParams: JSONValue
    public var dataDirectory: URL?
    /// The plugin's own settings: for an external plugin, the `config` of its `join_plugins`
    /// entry on the joining side; empty for built-in plugins.
    public var settings: JSONValue

    public init(clock: any JoinClock = SystemClock(), logger: Logger = Logger(label: "joinery.prover"),
                joinParams: JSONValue = .object([:]), dataDirectory: URL? = nil, settings: JSONValue = .object([:])) {
        self.clock = clock
        self.logger = logger
        self.joinParams = joinParams
        self.dataDirectory = dataDirectory
        self.settings = settings
    }
}

/// Where a registered method comes from, for `tctl join-methods ls` (the host's business).
package enum JoinMethodOrigin: Sendable, Equatable {
    /// Compiled into this binary.
    case builtIn
    /// A separate program, started by Joinery, whose SHA-256 is checked before every start.
    case external(command: String, sha256: String)
}

/// A join method as the registry knows it: a name and how to make each half.
///
/// Built-in plugins and (later) external ones are described the same way, so there is one
/// dispatch path: the registry, keyed by name.
public struct JoinMethodPlugin: Sendable {
    public let name: String
    /// Keys of `auth_service` in teleport.yaml this plugin reads; strict config parsing accepts
    /// them only because a plugin declared them.
    public let authServiceKeys: Set<String>
    public let makeMethod: @Sendable (PluginContext) throws -> any JoinMethod
    public let makeProver: @Sendable (ProverContext) throws -> any JoinProver
    /// Built in or an external program; set by the plugin host.
    package let origin: JoinMethodOrigin

    public init(name: String, authServiceKeys: Set<String> = [],
                makeMethod: @escaping @Sendable (PluginContext) throws -> any JoinMethod,
                makeProver: @escaping @Sendable (ProverContext) throws -> any JoinProver) {
        self.init(name: name, authServiceKeys: authServiceKeys, origin: .builtIn, makeMethod: makeMethod, makeProver: makeProver)
    }

    /// A plugin the host made (an external program).
    package init(name: String, authServiceKeys: Set<String> = [], origin: JoinMethodOrigin,
                 makeMethod: @escaping @Sendable (PluginContext) throws -> any JoinMethod,
                 makeProver: @escaping @Sendable (ProverContext) throws -> any JoinProver) {
        self.name = name
        self.authServiceKeys = authServiceKeys
        self.origin = origin
        self.makeMethod = makeMethod
        self.makeProver = makeProver
    }
}
