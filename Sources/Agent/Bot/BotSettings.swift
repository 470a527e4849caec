import Foundation
import JoinCore
import Transport

/// What ``BotRunner`` needs to know about a bot, as plain values: where the cluster is, how the
/// bot joins, where it keeps its identity and where it writes it. tbot builds it from tbot.yaml;
/// the runner never reads a config file.
///
/// The values that come from files or the environment (the token, the CA pins, the join
/// parameters) are closures, read again on every join, so a rotated token file is picked up and
/// an unreadable one fails that join with an error naming the setting. Every error message a
/// closure throws already names the config file and field.
public struct BotSettings: Sendable {
    /// `proxy_server`: join and renew through this Proxy Service (see ``ClusterRoute``).
    public var proxyServer: String?
    /// `auth_server`: the Auth server, directly (or a proxy-looking port, see ``ClusterRoute``).
    public var authServer: String?
    /// `onboarding.ca_path`: a PEM file of CA certificates.
    public var caPath: String?
    /// Names `caPath` in errors: `<file>: onboarding.ca_path`.
    public var caPathField: String
    /// `onboarding.ca_pins` as configured (for the pins' origin in mismatch messages).
    public var caPins: [CAPin]
    /// `onboarding.join_method`.
    public var joinMethod: String
    /// The node name the bot joins with.
    public var nodeName: String
    /// The configured server address, checked; called at the start of every cycle.
    public var serverAddress: @Sendable () throws -> AuthAddress
    /// The token (its value for the `token` method, the token's name for the others), or `nil`
    /// when none is configured.
    public var token: @Sendable () throws -> String?
    /// Every CA pin the join checks: the configured ones and those from ``caPath`` (or the
    /// `SSL_CERT_FILE` bundle).
    public var resolvedCAPins: @Sendable () throws -> [CAPin]
    /// The prover's join parameters (``JoinCore/ProverContext/joinParams``): the method
    /// sections of `onboarding`.
    public var joinParams: JSONValue
    /// Where ``joinParams`` sit in the config file (``JoinCore/ProverContext/joinParamsPath``).
    public var joinParamsPath: [String]
    /// The environment provers read settings from (``JoinCore/ProverContext/environment``).
    public var environment: [String: String]
    /// `storage`: the bot's own state (its identity, its bound keypair).
    public var storage: URL
    /// The identity outputs' directory paths as configured, in order.
    public var outputs: [String]
    /// How long the requested certificates stay valid, in seconds.
    public var certificateTTL: TimeInterval
    /// How often a daemon renews.
    public var renewalInterval: Duration
    /// Run one cycle and return.
    public var oneshot: Bool
    /// The config file's name, for messages that tell the operator what to change.
    public var configName: String

    public init(proxyServer: String?, authServer: String?, caPath: String?, caPathField: String, caPins: [CAPin],
                joinMethod: String, nodeName: String, serverAddress: @escaping @Sendable () throws -> AuthAddress,
                token: @escaping @Sendable () throws -> String?, resolvedCAPins: @escaping @Sendable () throws -> [CAPin],
                joinParams: JSONValue = .object([:]), joinParamsPath: [String] = ["onboarding"],
                environment: [String: String] = ProcessInfo.processInfo.environment, storage: URL, outputs: [String],
                certificateTTL: TimeInterval, renewalInterval: Duration, oneshot: Bool, configName: String) {
        self.proxyServer = proxyServer
        self.authServer = authServer
        self.caPath = caPath
        self.caPathField = caPathField
        self.caPins = caPins
        self.joinMethod = joinMethod
        self.nodeName = nodeName
        self.serverAddress = serverAddress
        self.token = token
        self.resolvedCAPins = resolvedCAPins
        self.joinParams = joinParams
        self.joinParamsPath = joinParamsPath
        self.environment = environment
        self.storage = storage
        self.outputs = outputs
        self.certificateTTL = certificateTTL
        self.renewalInterval = renewalInterval
        self.oneshot = oneshot
        self.configName = configName
    }
}
