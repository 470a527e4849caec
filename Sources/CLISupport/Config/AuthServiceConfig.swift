import CLIKit
import Server
import JoinCore

/// `auth_service`: the Auth server's settings, plus keys that join-method plugins declared
/// (e.g. `tokens` for static tokens).
///
/// The typed fields are what the Auth server itself reads. The whole section is also kept as
/// written in ``raw`` and handed to plugins as ``JoinCore/PluginContext/authService``: each
/// plugin decodes only the keys it declared, so the core never learns a plugin's schema.
public struct AuthServiceConfig: Sendable, Equatable, Decodable {
    /// True when the file has an `auth_service` section at all.
    public var isConfigured: Bool
    /// `enabled`; a written section without the key is enabled, as in Teleport.
    public var enabled: Bool
    public var clusterName: String?
    public var listenAddr: String
    /// `join_methods`: the enabled methods by name; `nil` enables every built-in method.
    public var joinMethods: [String]?
    public var joinRateLimit: JoinRateLimitConfig
    public var publicAddr: [String]
    /// `join_plugins`: join methods served by separate programs, loaded by name.
    public var joinPlugins: [JoinPluginConfig] = []
    /// `listen_backlog` (a Joinery setting): connections the port may queue before they are
    /// accepted; nil asks for the kernel's `net.core.somaxconn`.
    public var listenBacklog: Int?
    /// `authentication.second_factor` (`otp`, the default, or `off`): what local users prove
    /// besides a password.
    public var secondFactor: SecondFactorMode = .otp
    /// The section as written, for plugins.
    public var raw: JSONValue

    public static let defaultListenAddr = "0.0.0.0:3025"
    /// The keys the Auth server itself reads; anything else must be declared by a plugin.
    public static let builtInKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    public init(isConfigured: Bool = false, enabled: Bool = true, clusterName: String? = nil,
                listenAddr: String = AuthServiceConfig.defaultListenAddr, joinMethods: [String]? = nil,
                joinRateLimit: JoinRateLimitConfig = JoinRateLimitConfig(), publicAddr: [String] = [],
                raw: JSONValue = .object([:])) {
        self.isConfigured = isConfigured
        self.enabled = enabled
        self.clusterName = clusterName
        self.listenAddr = listenAddr
        self.joinMethods = joinMethods
        self.joinRateLimit = joinRateLimit
        self.publicAddr = publicAddr
        self.raw = raw
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, clusterName = "cluster_name", listenAddr = "listen_addr", joinMethods = "join_methods"
        case joinRateLimit = "join_rate_limit", publicAddr = "public_addr", joinPlugins = "join_plugins"
        case listenBacklog = "listen_backlog", authentication
    }

    public init(from decoder: Decoder) throws {
        let context = ConfigDecodingContext.from(decoder)
        try decoder.rejectUnknownKeys(AuthServiceConfig.builtInKeys.union(context.pluginAuthServiceKeys))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        isConfigured = true
        enabled = try c.decodeIfPresent(LenientBool.self, forKey: .enabled)?.value ?? true
        clusterName = try c.decodeIfPresent(String.self, forKey: .clusterName).nonEmpty
        listenAddr = try c.decodeIfPresent(String.self, forKey: .listenAddr).nonEmpty ?? AuthServiceConfig.defaultListenAddr
        joinMethods = try c.decodeIfPresent([String].self, forKey: .joinMethods)
        joinRateLimit = try c.decodeIfPresent(JoinRateLimitConfig.self, forKey: .joinRateLimit) ?? JoinRateLimitConfig()
        publicAddr = try c.decodeIfPresent(StringOrList.self, forKey: .publicAddr)?.values ?? []
        joinPlugins = try c.decodeIfPresent([JoinPluginConfig].self, forKey: .joinPlugins) ?? []
        listenBacklog = try c.decodeListenBacklog(forKey: .listenBacklog)
        secondFactor = try c.decodeIfPresent(AuthenticationSection.self, forKey: .authentication)?.secondFactor ?? .otp
        raw = try JSONValue(from: decoder)
    }
}

/// `auth_service.authentication`: how local users sign in. Teleport's `type: local` is the only
/// type; `second_factor` is `otp` (the default) or `off`.
struct AuthenticationSection: Decodable {
    var secondFactor: SecondFactorMode

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, secondFactor = "second_factor"
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .type), type != "local" {
            throw JoinError.badParameter("auth_service.authentication.type: \"\(UntrustedString.sanitize(type))\" is not supported; only local users (type: local) are")
        }
        let text = try c.decodeIfPresent(String.self, forKey: .secondFactor) ?? "otp"
        secondFactor = try SecondFactorMode(parsing: text)
    }
}

/// `auth_service.join_rate_limit`: a token bucket per source address for unauthenticated
/// join attempts, and a cap on the join streams one address may have open at once.
///
/// The defaults, 10 attempts per second sustained with bursts of 100, are sized for the worst
/// honest case rather than the average one: a whole fleet booting at once behind one NAT
/// gateway (an autoscaling group, a Kubernetes node pool) reaches Auth from a single address,
/// and a lock-out there means hosts that never join. 100 hosts can join in one burst and 600
/// a minute after that. The limit is not what protects token secrets — a 128-bit random token
/// cannot be guessed at any rate — it bounds the CPU an address can spend on signatures and
/// AWS verifications, which these numbers still do.
///
/// `max_concurrent` bounds something the bucket cannot: streams that start and then wait (a
/// client that never sends `ClientInit` or never answers a challenge holds its stream until
/// the join timeout). A token join holds its stream for milliseconds and an AWS join for a few
/// hundred, so even a fleet booting behind one NAT address rarely has more than a few dozen in
/// flight; the default of 64 leaves room for that while bounding what one address can hold open.
public struct JoinRateLimitConfig: Sendable, Equatable, Decodable {
    /// Sustained attempts per second per address.
    public var average: Double
    /// Attempts allowed at once before the sustained rate applies.
    public var burst: Int
    /// Join streams one address may have open at once (`max_concurrent`).
    public var maxConcurrent: Int

    public static let defaultAverage = 10.0
    public static let defaultBurst = 100
    public static let defaultMaxConcurrent = 64

    public init(average: Double = JoinRateLimitConfig.defaultAverage, burst: Int = JoinRateLimitConfig.defaultBurst,
                maxConcurrent: Int = JoinRateLimitConfig.defaultMaxConcurrent) {
        self.average = average
        self.burst = burst
        self.maxConcurrent = maxConcurrent
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case average, burst, maxConcurrent = "max_concurrent"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        average = try c.decodeNumberIfPresent(Double.self, forKey: .average) ?? JoinRateLimitConfig.defaultAverage
        burst = try c.decodeNumberIfPresent(Int.self, forKey: .burst) ?? JoinRateLimitConfig.defaultBurst
        maxConcurrent = try c.decodeNumberIfPresent(Int.self, forKey: .maxConcurrent) ?? JoinRateLimitConfig.defaultMaxConcurrent
        guard average > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .average, in: c,
                debugDescription: "must be a positive number of attempts per second")
        }
        guard burst >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .burst, in: c, debugDescription: "must be at least 1")
        }
        guard maxConcurrent >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .maxConcurrent, in: c, debugDescription: "must be at least 1")
        }
    }
}
