import Agent
import Foundation
import JoinCore
import Logging

/// Runs tbot from a ``TbotConfig``: keeps the bot's identity in `storage.path` fresh and writes
/// it to every output.
///
/// One cycle loads the stored identity and, while it is still valid, renews it — through the
/// renewal service when the certificates are renewable (token-method bots), otherwise by joining
/// again with the join method while authenticated with the current certificates (the Auth
/// server then continues the same bot instance). Without a valid identity the bot joins afresh.
/// The identity is saved before the outputs are written, so a crash between the two leaves the
/// newest certificates in storage and the next cycle writes them out.
///
/// `oneshot` runs one cycle. A daemon runs one at start — failing then is fatal, as in Teleport,
/// since there is nothing yet to keep alive — and then one every `renewal_interval`, retrying
/// failures with ``JitteredBackoff`` until SIGINT or SIGTERM cancels it.
public struct BotRunner: Sendable {
    /// Certificates closer than this to expiry are treated as expired.
    public static let validityMargin: TimeInterval = 60

    let config: TbotConfig
    let environment: [String: String]
    let registry: JoinMethodRegistry
    let clock: any JoinClock
    let logger: Logger

    public init(config: TbotConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                registry: JoinMethodRegistry = BuiltInJoinMethods.registry, clock: any JoinClock = SystemClock(),
                logger: Logger) {
        self.config = config
        self.environment = environment
        self.registry = registry
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        LeftoverTemporaryFiles.sweep(sweptDirectories, logger: logger)
        try await cycle()
        guard !config.oneshot else {
            logger.info("oneshot: the bot's identity and outputs are up to date; exiting")
            return
        }
        let interval = Duration.seconds(config.renewalInterval.seconds)
        let backoff = JitteredBackoff(maximum: interval)
        var failures = 0
        while true {
            let wait = failures == 0 ? interval : backoff.delay(afterFailures: failures)
            logger.debug("next renewal", metadata: ["in": "\(wait)"])
            try await Task.sleep(for: wait)
            do {
                try await cycle()
                failures = 0
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failures += 1
                logger.error("renewing the bot identity failed; retrying with backoff",
                             metadata: ["error": "\(BotRunner.describe(error))", "consecutive_failures": "\(failures)"])
            }
        }
    }

    /// Where tbot writes with temporary files (storage and every output), swept at start.
    var sweptDirectories: [URL] {
        [config.storage.url] + config.outputs.map(\.destination.url)
    }

    /// One cycle: renew or join, save, write the outputs. Returns the new identity.
    @discardableResult
    public func cycle() async throws -> BotIdentity {
        let storage = config.storage.url
        // The storage holds the bot's keys: no symbolic links, owned by tbot's user.
        try SecureDirectory(opening: storage, mode: 0o700).checkNoSymbolicLinks()
        let store = BotIdentityStore(directory: storage)
        _ = try config.serverAddress()
        let route = try await ClusterRoute.resolve(
            proxyServer: config.proxyServer, authServer: config.authServer, caPath: config.onboarding.caPath,
            caPathField: "\(config.fileName): onboarding.ca_path", insecure: false, logger: logger)
        let identity = try await freshIdentity(replacing: try store.load(), route: route, storage: storage)
        try store.save(identity)
        for output in config.outputs {
            try IdentityOutputWriter(directory: output.destination.url).write(identity)
            logger.debug("wrote identity output", metadata: ["destination": "\(output.destination.path)"])
        }
        logger.info("bot identity is up to date", metadata: [
            "bot": "\(identity.botName)", "instance_id": "\(identity.instanceID)", "generation": "\(identity.generation)",
            "valid_until": "\(RFC3339.format(identity.validBefore))", "outputs": "\(config.outputs.count)",
        ])
        return identity
    }

    private func freshIdentity(replacing current: BotIdentity?, route: ClusterRoute, storage: URL) async throws -> BotIdentity {
        let ttl = config.certificateTTL.seconds
        let address = route.address
        if let current, current.isValid(at: clock.now, margin: Self.validityMargin) {
            if current.renewable {
                logger.info("renewing the bot's certificates", metadata: ["auth_server": "\(address)"])
                return try await BotRenewalClient(clock: clock, dialer: route.dialer).renew(current, authServer: address, certificateTTL: ttl)
            }
            logger.info("joining again with the current identity", metadata: [
                "auth_server": "\(address)", "method": "\(config.onboarding.joinMethod)",
            ])
            return try await joinClient(storage: storage)
                .joinBot(try joinParameters(route), certificateTTL: ttl, presenting: current)
        }
        if let current {
            logger.info("the stored bot identity has expired; joining again",
                        metadata: ["expired": "\(RFC3339.format(current.validBefore))"])
        }
        logger.info("joining the cluster as a bot", metadata: [
            "auth_server": "\(address)", "method": "\(config.onboarding.joinMethod)",
        ])
        do {
            return try await joinClient(storage: storage)
                .joinBot(try joinParameters(route), certificateTTL: ttl, presenting: nil)
        } catch let error as JoinError where current?.renewable == true && error.kind == .accessDenied {
            throw JoinError(error.kind, error.message + ". " + Self.spentTokenHint(fileName: config.fileName))
        }
    }

    /// Why a renewable bot whose certificates expired cannot simply join again.
    static func spentTokenHint(fileName: String) -> String {
        "The bot's renewable certificates expired before they were renewed, and the single-use token it first joined "
            + "with was spent by that join: create a new token (`tctl bots add`, or a new token resource with "
            + "roles [Bot] and this bot_name) and set onboarding.token in \(fileName)"
    }

    private func joinParameters(_ route: ClusterRoute) throws -> JoinParameters {
        _ = try registry.plugin(named: config.onboarding.joinMethod)
        guard let token = try config.resolvedToken() else {
            throw JoinError.badParameter("\(config.fileName): onboarding.token is not set: the bot needs a token to join "
                + "(its value for the token method, the token's name for the others)")
        }
        var parameters = JoinParameters(
            authServer: route.address, tokenName: token, method: config.onboarding.joinMethod, role: .bot,
            nodeName: HostName.current, caPins: try config.resolvedCAPins())
        parameters.caPinsOrigin = AuthServerPins.origin(configured: config.onboarding.caPins, caPath: config.onboarding.caPath)
        parameters.dialer = route.dialer
        return parameters
    }

    private func joinClient(storage: URL) throws -> JoinClient {
        var joinParams: [String: JSONValue] = [:]
        if let secret = try config.registrationSecret(environment: environment) {
            joinParams["registration_secret"] = .string(secret)
        }
        let context = ProverContext(clock: clock, logger: logger, joinParams: .object(joinParams), dataDirectory: storage)
        return JoinClient(registry: registry, clock: clock, logger: logger, proverContext: context)
    }

    /// One line for a log: a ``JoinCore/JoinError``'s message, else the error's description.
    static func describe(_ error: any Error) -> String {
        (error as? JoinError)?.message ?? String(describing: error)
    }
}
