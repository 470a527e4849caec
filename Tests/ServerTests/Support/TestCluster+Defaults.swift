import JoinCore
import Server
import StaticJoin
import TestSupport
import TokenJoin

extension TestCluster {
    /// The methods the server suites use: static and stored tokens.
    static let registry = JoinMethodRegistry(plugins: [.staticTokens, .storedTokens])

    convenience init(staticTokens: [String] = [], clock: any JoinClock = SystemClock(),
                     rateLimits: JoinRateLimiter.Limits = .init()) async throws {
        try await self.init(registry: TestCluster.registry, staticTokens: staticTokens, clock: clock, rateLimits: rateLimits)
    }
}
