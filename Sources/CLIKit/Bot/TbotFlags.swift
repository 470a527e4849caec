import Foundation
import JoinCore

/// The settings `tbot start identity` takes on its command line (and from Teleport's
/// environment variables), as CI guides run it without a config file:
///
/// ```sh
/// tbot start identity --join-method=github --token=gh-bot \
///     --proxy-server=teleport.example.com:443 --destination=./tbot-user --oneshot
/// ```
///
/// Flags combine with `-c tbot.yaml` as in Teleport: a flag wins over the file (with a
/// warning naming both values); `--token`, `--join-method` or `--ca-pin` replace the file's
/// whole `onboarding` section; `--destination` adds an identity output.
public struct TbotFlags: Sendable, Equatable {
    public static let authServerVariable = "TELEPORT_AUTH_SERVER"
    public static let proxyServerVariable = "TELEPORT_PROXY"
    public static let tokenVariable = "TELEPORT_BOT_TOKEN"
    /// Where a bot started without `--storage` or a config file keeps its state.
    public static let defaultStorage = "/var/lib/teleport/bot"

    public var authServer: String?
    public var proxyServer: String?
    public var token: String?
    public var joinMethod: String?
    public var caPins: [String] = []
    public var certificateTTL: String?
    public var renewalInterval: String?
    public var oneshot = false
    public var debug = false
    public var storage: String?
    public var destination: String?

    public init() {}

    /// Fills the servers and the token from `TELEPORT_AUTH_SERVER`, `TELEPORT_PROXY` and
    /// `TELEPORT_BOT_TOKEN` where no flag gave them, as Teleport's tbot does (a server flag of
    /// either kind leaves both server variables unread).
    public mutating func fillFromEnvironment(_ environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        // A server flag wins over both variables: a runner's TELEPORT_AUTH_SERVER must not
        // collide with an explicit --proxy-server.
        if authServer == nil && proxyServer == nil {
            authServer = value(Self.authServerVariable)
            proxyServer = authServer == nil ? value(Self.proxyServerVariable) : nil
        }
        token = token ?? value(Self.tokenVariable)
    }

    /// The settings these flags give over `base` (a loaded tbot.yaml, or nil), and a warning
    /// for each setting of the file a flag replaced.
    public func apply(to base: TbotConfig?) throws -> (config: TbotConfig, warnings: [String]) {
        var warnings: [String] = []
        let fileName = base?.fileName ?? "tbot command line"
        var config = try base ?? TbotConfig(fileName: fileName, storage: DirectoryDestination(uri: storage ?? Self.defaultStorage))
        func override<T: Equatable>(_ flag: String, _ keyPath: WritableKeyPath<TbotConfig, T>, _ value: T, shown: String) {
            if base != nil, config[keyPath: keyPath] != value {
                warnings.append("CLI parameters are overriding configuration: \(flag)=\(shown) replaces the value in \(fileName)")
            }
            config[keyPath: keyPath] = value
        }
        if let authServer {
            override("--auth-server", \.authServer, authServer, shown: authServer)
            config.proxyServer = nil
        }
        if let proxyServer {
            override("--proxy-server", \.proxyServer, proxyServer, shown: proxyServer)
            if authServer == nil { config.authServer = nil }
        }
        if let certificateTTL {
            override("--certificate-ttl", \.certificateTTL, try Self.duration(certificateTTL, flag: "--certificate-ttl"), shown: certificateTTL)
        }
        if let renewalInterval {
            override("--renewal-interval", \.renewalInterval, try Self.duration(renewalInterval, flag: "--renewal-interval"), shown: renewalInterval)
        }
        if let storage, base != nil {
            override("--storage", \.storage, try DirectoryDestination(uri: storage), shown: storage)
        }
        if oneshot { config.oneshot = true }
        if debug { config.debug = true }
        if token != nil || joinMethod != nil || !caPins.isEmpty {
            if base != nil {
                warnings.append("CLI parameters are overriding join configuration: --token, --join-method and --ca-pin replace the onboarding section of \(fileName)")
            }
            config.onboarding = TbotOnboarding(joinMethod: joinMethod ?? TbotOnboarding.defaultJoinMethod, token: token,
                                               caPins: try caPins.map { try Self.pin($0) })
        }
        if let destination {
            config.outputs.append(TbotOutput(kind: .identity, destination: try DirectoryDestination(uri: destination)))
        }
        if base == nil && config.authServer == nil && config.proxyServer == nil {
            throw JoinError.badParameter("no auth or proxy server: pass --proxy-server (or --auth-server), or set \(Self.proxyServerVariable)")
        }
        try config.checkSettings()
        return (config, warnings)
    }

    static func duration(_ text: String, flag: String) throws -> GoDuration {
        do {
            return try GoDuration(parsing: text)
        } catch let error as JoinError {
            throw JoinError.badParameter("\(flag): \(error.message)")
        }
    }

    static func pin(_ text: String) throws -> CAPin {
        do {
            return try CAPin(parsing: text)
        } catch let error as JoinError {
            throw JoinError.badParameter("--ca-pin: \(error.message)")
        }
    }
}
