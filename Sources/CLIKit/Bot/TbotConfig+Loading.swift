import Foundation
import JoinCore
import Yams

extension TbotConfig {
    public static let supportedVersion = "v2"

    /// Reads and strictly parses the tbot.yaml at `path`.
    public static func load(path: String) throws -> TbotConfig {
        try parse(yaml: ConfigFileText.read(path), fileName: path)
    }

    /// Strictly parses tbot.yaml text; `fileName` prefixes every error message.
    public static func parse(yaml: String, fileName: String = "tbot.yaml") throws -> TbotConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw JoinError.badParameter("\(fileName): \(YAMLSyntaxErrorText.describe(error))")
        }
        guard let node, node.mapping != nil else {
            throw JoinError.badParameter("\(fileName): expected a map of settings at the top level " +
                "(version: v2, proxy_server:, onboarding:, storage:, …)")
        }
        var config: TbotConfig
        do {
            config = try YAMLDecoder().decode(TbotConfigDocument.self, from: node).config
        } catch {
            throw JoinError.badParameter("\(fileName): \(YAMLDecodingErrorText.describe(error))")
        }
        config.fileName = fileName
        do {
            try BuiltInJoinMethods.registry.checkJoinParams(config.onboarding.methodSections, at: TbotOnboarding.sectionsPath)
        } catch let error as JoinError {
            throw JoinError.badParameter("\(fileName): \(error.message)")
        }
        try config.checkSettings()
        return config
    }

    /// The rules that span fields: exactly one server, a TTL longer than the renewal interval.
    func checkSettings() throws {
        func fail(_ message: String) -> JoinError { JoinError.badParameter("\(fileName): \(message)") }
        switch (authServer, proxyServer) {
        case (nil, nil):
            throw fail("no auth or proxy servers set: set proxy_server (or auth_server) to the cluster's address")
        case (.some, .some):
            throw fail("auth_server and proxy_server are both set: only one of auth or proxy server should be set")
        default:
            break
        }
        guard certificateTTL.seconds > 0 else { throw fail("certificate_ttl must be positive") }
        guard renewalInterval.seconds > 0 else { throw fail("renewal_interval must be positive") }
        guard renewalInterval.seconds < certificateTTL.seconds else {
            throw fail("renewal_interval (\(renewalInterval)) must be shorter than certificate_ttl (\(certificateTTL)), " +
                "or the certificates expire before they are renewed")
        }
    }
}

/// The top level of a tbot.yaml as the decoder sees it.
struct TbotConfigDocument: Decodable {
    var config: TbotConfig

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case version, proxyServer = "proxy_server", authServer = "auth_server", oneshot
        case certificateTTL = "certificate_ttl", renewalInterval = "renewal_interval", debug
        case onboarding, storage, services, outputs, joinPlugins = "join_plugins"
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        guard version == TbotConfig.supportedVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: c,
                debugDescription: version.isEmpty
                    ? "missing: tbot.yaml must start with version: \(TbotConfig.supportedVersion)"
                    : "version \"\(version)\" is not supported; use version: \(TbotConfig.supportedVersion)")
        }
        guard c.contains(.storage) else {
            throw DecodingError.dataCorruptedError(
                forKey: .storage, in: c, debugDescription: "missing: set storage: {type: directory, path: /var/lib/teleport/bot}")
        }
        config = TbotConfig(
            proxyServer: try c.decodeIfPresent(String.self, forKey: .proxyServer).nonEmpty,
            authServer: try c.decodeIfPresent(String.self, forKey: .authServer).nonEmpty,
            oneshot: try c.decodeIfPresent(LenientBool.self, forKey: .oneshot)?.value ?? false,
            certificateTTL: try Self.duration(c, .certificateTTL) ?? TbotConfig.defaultCertificateTTL,
            renewalInterval: try Self.duration(c, .renewalInterval) ?? TbotConfig.defaultRenewalInterval,
            debug: try c.decodeIfPresent(LenientBool.self, forKey: .debug)?.value ?? false,
            onboarding: try c.decodeIfPresent(TbotOnboarding.self, forKey: .onboarding) ?? TbotOnboarding(),
            storage: try c.decode(DirectoryDestination.self, forKey: .storage),
            outputs: (try c.decodeIfPresent([TbotOutput].self, forKey: .services) ?? [])
                + (try c.decodeIfPresent([TbotOutput].self, forKey: .outputs) ?? []))
        config.joinPlugins = try c.decodeIfPresent([JoinPluginConfig].self, forKey: .joinPlugins) ?? []
    }

    /// A Go duration written as text (`1h`, `20m`); a bare number has no unit and is refused.
    private static func duration(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> GoDuration? {
        guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        do {
            return try GoDuration(parsing: text)
        } catch let error as JoinError {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: error.message)
        }
    }
}
