import Agent
import Foundation
import JoinCore
import Transport

/// A tbot.yaml (`version: v2`), parsed strictly: where the cluster is, how the bot joins,
/// where it keeps its identity and which credentials it writes out.
///
/// As with ``FileConfig``, every key must be one we know: a misspelt `onbaording:` is an error
/// naming the file and the field, never a bot that silently joins without its settings. Load it
/// with ``load(path:)`` or ``parse(yaml:fileName:)``; every error is a `badParameter`
/// ``JoinCore/JoinError`` whose message starts with the file name and never holds a secret.
public struct TbotConfig: Sendable, Equatable {
    public static let defaultCertificateTTL = GoDuration(seconds: 3600)
    public static let defaultRenewalInterval = GoDuration(seconds: 20 * 60)

    /// The file the config came from, used to prefix later errors.
    public var fileName: String
    /// `proxy_server`: Teleport's usual address for a bot, a Proxy Service's web address (the
    /// bot joins and renews through it; see ``ClusterRoute``).
    public var proxyServer: String?
    /// `join_plugins`: external join methods the bot may join with (their client halves).
    public var joinPlugins: [JoinPluginConfig] = []
    /// `auth_server`: the Auth server, directly.
    public var authServer: String?
    /// `oneshot`: join or renew once, write the outputs, and exit.
    public var oneshot: Bool
    /// `certificate_ttl`: how long the certificates tbot asks for stay valid.
    public var certificateTTL: GoDuration
    /// `renewal_interval`: how often a daemon renews; shorter than the TTL.
    public var renewalInterval: GoDuration
    public var debug: Bool
    public var onboarding: TbotOnboarding
    /// `storage`: the bot's own state (its identity, its bound keypair).
    public var storage: DirectoryDestination
    /// `services:` and the legacy `outputs:`, in that order.
    public var outputs: [TbotOutput]

    public init(fileName: String = "tbot.yaml", proxyServer: String? = nil, authServer: String? = nil,
                oneshot: Bool = false, certificateTTL: GoDuration = TbotConfig.defaultCertificateTTL,
                renewalInterval: GoDuration = TbotConfig.defaultRenewalInterval, debug: Bool = false,
                onboarding: TbotOnboarding = TbotOnboarding(), storage: DirectoryDestination, outputs: [TbotOutput] = []) {
        self.fileName = fileName
        self.proxyServer = proxyServer
        self.authServer = authServer
        self.oneshot = oneshot
        self.certificateTTL = certificateTTL
        self.renewalInterval = renewalInterval
        self.debug = debug
        self.onboarding = onboarding
        self.storage = storage
        self.outputs = outputs
    }

    /// The configured address, checked: `auth_server`, else `proxy_server`.
    public func serverAddress() throws -> AuthAddress {
        let (field, text) = authServer.map { ("auth_server", $0) } ?? ("proxy_server", proxyServer ?? "")
        do {
            return try AuthAddress(parsing: text)
        } catch let error as JoinError {
            throw JoinError.badParameter("\(fileName): \(field): \(error.message)")
        }
    }

    /// `onboarding.token`'s value (read from its file when it is an absolute path).
    public func resolvedToken() throws -> String? {
        try onboarding.resolvedToken(field: "\(fileName): onboarding.token")
    }

    /// `onboarding.ca_pins` plus the pins of the certificates in `onboarding.ca_path`.
    public func resolvedCAPins() throws -> [CAPin] {
        try onboarding.resolvedCAPins(field: "\(fileName): onboarding.ca_path")
    }

    /// What ``Agent/BotRunner`` runs with. The token and the CA pins are read again on every
    /// join; so is whatever a prover reads from its section, files or `environment` (the
    /// registration secret), since a prover is made for each join.
    public func botSettings(environment: [String: String] = ProcessInfo.processInfo.environment) -> BotSettings {
        let config = self
        return BotSettings(
            proxyServer: proxyServer, authServer: authServer, caPath: onboarding.caPath,
            caPathField: "\(fileName): onboarding.ca_path", caPins: onboarding.caPins,
            joinMethod: onboarding.joinMethod, nodeName: HostName.current,
            serverAddress: { try config.serverAddress() },
            token: { try config.resolvedToken() },
            resolvedCAPins: { try config.resolvedCAPins() },
            joinParams: .object(onboarding.methodSections), joinParamsPath: TbotOnboarding.sectionsPath,
            environment: environment,
            storage: storage.url, outputs: outputs.map(\.destination.path),
            certificateTTL: certificateTTL.seconds, renewalInterval: Duration.seconds(renewalInterval.seconds),
            oneshot: oneshot, configName: fileName)
    }
}
