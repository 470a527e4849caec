import Foundation
import JoinCore
import Logging

/// Runs tbot from its ``BotSettings``: keeps the bot's identity in `storage.path` fresh and writes
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

    let settings: BotSettings
    let registry: JoinMethodRegistry
    let clock: any JoinClock
    let logger: Logger

    /// - Parameter registry: the join methods the bot may join with (their client halves); the
    ///   caller chooses them, the runner names none.
    public init(settings: BotSettings, registry: JoinMethodRegistry, clock: any JoinClock = SystemClock(), logger: Logger) {
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        LeftoverTemporaryFiles.sweep(sweptDirectories, logger: logger)
        try await cycle()
        guard !settings.oneshot else {
            logger.info("oneshot: the bot's identity and outputs are up to date; exiting")
            return
        }
        let interval = settings.renewalInterval
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
        [settings.storage] + settings.outputs.map { URL(fileURLWithPath: $0) }
    }

    /// One cycle: renew or join, save, write the outputs. Returns the new identity.
    @discardableResult
    public func cycle() async throws -> BotIdentity {
        let storage = settings.storage
        // The storage holds the bot's keys: no symbolic links, owned by tbot's user.
        try SecureDirectory(opening: storage, mode: 0o700).checkNoSymbolicLinks()
        let store = BotIdentityStore(directory: storage)
        _ = try settings.serverAddress()
        let route = try await ClusterRoute.resolve(
            proxyServer: settings.proxyServer, authServer: settings.authServer, caPath: settings.caPath,
            caPathField: settings.caPathField, insecure: false, logger: logger, settingNames: .tbot)
        let identity = try await freshIdentity(replacing: try store.load(), route: route, storage: storage)
        try store.save(identity)
        for output in settings.outputs {
            try IdentityOutputWriter(directory: URL(fileURLWithPath: output)).write(identity)
            logger.debug("wrote identity output", metadata: ["destination": "\(output)"])
        }
        logger.info("bot identity is up to date", metadata: [
            "bot": "\(identity.botName)", "instance_id": "\(identity.instanceID)", "generation": "\(identity.generation)",
            "valid_until": "\(RFC3339.format(identity.validBefore))", "outputs": "\(settings.outputs.count)",
        ])
        return identity
    }

    private func freshIdentity(replacing current: BotIdentity?, route: ClusterRoute, storage: URL) async throws -> BotIdentity {
        let ttl = settings.certificateTTL
        let address = route.address
        if let current, current.isValid(at: clock.now, margin: Self.validityMargin) {
            if current.renewable {
                logger.info("renewing the bot's certificates", metadata: [route.dialer.addressLogKey: "\(address)"])
                return try await BotRenewalClient(clock: clock, dialer: route.dialer).renew(current, authServer: address, certificateTTL: ttl)
            }
            logger.info("joining again with the current identity", metadata: [
                route.dialer.addressLogKey: "\(address)", "method": "\(settings.joinMethod)",
            ])
            return try await joinClient(storage: storage)
                .joinBot(try joinParameters(route), certificateTTL: ttl, presenting: current)
        }
        if let current {
            logger.info("the stored bot identity has expired; joining again",
                        metadata: ["expired": "\(RFC3339.format(current.validBefore))"])
        }
        logger.info("joining the cluster as a bot", metadata: [
            route.dialer.addressLogKey: "\(address)", "method": "\(settings.joinMethod)",
        ])
        do {
            return try await joinClient(storage: storage)
                .joinBot(try joinParameters(route), certificateTTL: ttl, presenting: nil)
        } catch let error as JoinError where current?.renewable == true && error.kind == .accessDenied {
            throw JoinError(error.kind, error.message + ". " + Self.spentTokenHint(fileName: settings.configName))
        }
    }

    /// Why a renewable bot whose certificates expired cannot simply join again.
    static func spentTokenHint(fileName: String) -> String {
        "The bot's renewable certificates expired before they were renewed, and the single-use token it first joined "
            + "with was spent by that join: create a new token (`tctl bots add`, or a new token resource with "
            + "roles [Bot] and this bot_name) and set onboarding.token in \(fileName)"
    }

    private func joinParameters(_ route: ClusterRoute) throws -> JoinParameters {
        _ = try registry.plugin(named: settings.joinMethod)
        guard let token = try settings.token() else {
            throw JoinError.badParameter("\(settings.configName): onboarding.token is not set: the bot needs a token to join "
                + "(its value for the token method, the token's name for the others)")
        }
        var parameters = JoinParameters(
            authServer: route.address, tokenName: token, method: settings.joinMethod, role: .bot,
            nodeName: settings.nodeName, caPins: try settings.resolvedCAPins())
        parameters.caPinsOrigin = AuthServerPins.origin(configured: settings.caPins, caPath: settings.caPath)
        parameters.dialer = route.dialer
        return parameters
    }

    private func joinClient(storage: URL) throws -> JoinClient {
        let context = ProverContext(clock: clock, logger: logger, joinParams: settings.joinParams,
                                    joinParamsPath: settings.joinParamsPath, dataDirectory: storage,
                                    environment: settings.environment)
        return JoinClient(registry: registry, clock: clock, logger: logger, proverContext: context)
    }

    /// One line for a log: a ``JoinCore/JoinError``'s message, else the error's description.
    static func describe(_ error: any Error) -> String {
        (error as? JoinError)?.message ?? String(describing: error)
    }
}
