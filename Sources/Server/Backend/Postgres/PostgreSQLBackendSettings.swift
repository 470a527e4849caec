/// How patient the PostgreSQL backend is with its server: at start, per operation, per
/// connection attempt.
///
/// The defaults suit an Auth server: it waits half a minute for a database that starts at
/// the same time (a host booting, a container orchestrator starting both), and a join never
/// waits more than ten seconds for a connection before it is told the store is unavailable.
public struct PostgreSQLBackendSettings: Sendable, Equatable {
    /// How long opening the backend retries an unreachable server before it fails.
    public var startupTimeout: Duration
    /// The first pause between start-up attempts; it doubles after each failure (with jitter)
    /// up to ``maximumStartupRetryDelay``.
    public var initialStartupRetryDelay: Duration
    public var maximumStartupRetryDelay: Duration
    /// How long an operation waits for a pooled connection before failing `.unavailable`
    /// (while the server is down, the pool keeps reconnecting in the background).
    public var connectionWaitTimeout: Duration
    /// How long one TCP connect and login may take; the conn string's `connect_timeout` wins.
    public var connectTimeout: Duration
    /// The most connections one backend opens; the conn string's `pool_max_conns` wins.
    public var maximumConnections: Int

    public init(
        startupTimeout: Duration = .seconds(30),
        initialStartupRetryDelay: Duration = .milliseconds(250),
        maximumStartupRetryDelay: Duration = .seconds(5),
        connectionWaitTimeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(10),
        maximumConnections: Int = 20
    ) {
        self.startupTimeout = startupTimeout
        self.initialStartupRetryDelay = initialStartupRetryDelay
        self.maximumStartupRetryDelay = max(initialStartupRetryDelay, maximumStartupRetryDelay)
        self.connectionWaitTimeout = connectionWaitTimeout
        self.connectTimeout = connectTimeout
        self.maximumConnections = maximumConnections
    }
}
