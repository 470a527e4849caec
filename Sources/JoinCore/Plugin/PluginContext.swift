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
    /// The Auth server's environment, for settings a method also takes from it
    /// (`SSL_CERT_FILE` and `HTTPS_PROXY` for the OIDC methods' issuers).
    public var environment: [String: String]

    public init(clock: any JoinClock = SystemClock(), logger: Logger = Logger(label: "joinery.plugin"),
                authService: JSONValue = .object([:]), dataDirectory: URL? = nil, settings: JSONValue = .object([:]),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.clock = clock
        self.logger = logger
        self.authService = authService
        self.dataDirectory = dataDirectory
        self.settings = settings
        self.environment = environment
    }
}

/// What a join prover receives when the join client makes it.
public struct ProverContext: Sendable {
    public var clock: any JoinClock
    public var logger: Logger
    /// The method sections of the joining side's settings, by key, as written: those of
    /// `teleport.join_params` in teleport.yaml or of `onboarding` in tbot.yaml (`iam`,
    /// `bound_keypair`; see ``JoinParamsSection``). Never the token.
    public var joinParams: JSONValue
    /// Where ``joinParams`` sits in its file, for messages: `["teleport", "join_params"]` or
    /// tbot's `["onboarding"]`.
    public var joinParamsPath: [String]
    public var dataDirectory: URL?
    /// The plugin's own settings: for an external plugin, the `config` of its `join_plugins`
    /// entry on the joining side; empty for built-in plugins.
    public var settings: JSONValue
    /// The process environment, for settings a method also takes from it
    /// (`TBOT_REGISTRATION_SECRET`, `TELEPORT_FIPS`, AWS credentials).
    public var environment: [String: String]

    public init(clock: any JoinClock = SystemClock(), logger: Logger = Logger(label: "joinery.prover"),
                joinParams: JSONValue = .object([:]), joinParamsPath: [String] = ["teleport", "join_params"],
                dataDirectory: URL? = nil, settings: JSONValue = .object([:]),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.clock = clock
        self.logger = logger
        self.joinParams = joinParams
        self.joinParamsPath = joinParamsPath
        self.dataDirectory = dataDirectory
        self.settings = settings
        self.environment = environment
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
    /// Sections of the joining side's settings this plugin's prover reads (see
    /// ``JoinParamsSection``).
    public let joinParamsSections: [JoinParamsSection]
    public let makeMethod: @Sendable (PluginContext) throws -> any JoinMethod
    public let makeProver: @Sendable (ProverContext) throws -> any JoinProver
    /// Built in or an external program; set by the plugin host.
    package let origin: JoinMethodOrigin

    public init(name: String, authServiceKeys: Set<String> = [], joinParamsSections: [JoinParamsSection] = [],
                makeMethod: @escaping @Sendable (PluginContext) throws -> any JoinMethod,
                makeProver: @escaping @Sendable (ProverContext) throws -> any JoinProver) {
        self.init(name: name, authServiceKeys: authServiceKeys, joinParamsSections: joinParamsSections, origin: .builtIn,
                  makeMethod: makeMethod, makeProver: makeProver)
    }

    /// A plugin the host made (an external program).
    package init(name: String, authServiceKeys: Set<String> = [], joinParamsSections: [JoinParamsSection] = [],
                 origin: JoinMethodOrigin,
                 makeMethod: @escaping @Sendable (PluginContext) throws -> any JoinMethod,
                 makeProver: @escaping @Sendable (ProverContext) throws -> any JoinProver) {
        self.name = name
        self.authServiceKeys = authServiceKeys
        self.joinParamsSections = joinParamsSections
        self.origin = origin
        self.makeMethod = makeMethod
        self.makeProver = makeProver
    }
}
