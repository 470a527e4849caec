import Agent
import Crypto
import Foundation
import JoinCore
import JoineryProto
import Logging
import Server
import Transport

/// A real Auth server for tests: SQLite in a scratch directory, the built-in methods, TLS on a
/// free port of 127.0.0.1. `stop()` cancels it and removes the directory.
public final class TestCluster: @unchecked Sendable {
    public static let clusterName = "test.example.com"

    public let directory: URL
    public let backend: any Backend
    public let server: AuthServer
    public let clock: any JoinClock
    /// The join methods both halves use.
    public let registry: JoinMethodRegistry
    private var task: Task<Void, any Error>?
    public private(set) var address: AuthAddress?

    /// - Parameter backend: the cluster state; a fresh SQLite file in the scratch directory
    ///   when `nil` (pass a shared PostgreSQL backend to run several Auth servers on one state).
    /// - Parameter joinTimeoutSeconds: the longest one join stream may stay open.
    public init(registry: JoinMethodRegistry, staticTokens: [String] = [], clock: any JoinClock = SystemClock(),
                rateLimits: JoinRateLimiter.Limits = .init(), backend: (any Backend)? = nil,
                authService: [String: JSONValue] = [:], joinTimeoutSeconds: Double = 10) async throws {
        self.registry = registry
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clock = clock
        self.backend = try backend ?? SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: clock)
        let context = PluginContext(clock: clock, logger: Logger(label: "test"),
                                    authService: .object(authService.merging(["tokens": .array(staticTokens.map(JSONValue.string))]) { $1 }))
        let methods = try registry.makeMethods(context: context)
        server = try await AuthServer(
            settings: AuthServerSettings(clusterName: TestCluster.clusterName, listenHost: "127.0.0.1", listenPort: 0,
                                         advertiseAddress: "127.0.0.1:0", dataDirectory: directory.appendingPathComponent("auth"),
                                         rateLimits: rateLimits, version: "test", joinTimeoutSeconds: joinTimeoutSeconds),
            backend: self.backend, methods: methods, clock: clock, logger: Logger(label: "test-auth"))
    }

    /// Starts serving and waits (bounded) until the port is open.
    public func start() async throws -> AuthAddress {
        let (ready, continuation) = AsyncStream<String>.makeStream()
        let server = self.server
        task = Task { try await server.run(onListening: { continuation.yield($0); continuation.finish() }) }
        var iterator = ready.makeAsyncIterator()
        guard let text = await iterator.next() else { throw JoinError.unavailable("test auth server did not start") }
        let address = try AuthAddress(parsing: text)
        self.address = address
        return address
    }

    public func stop() async {
        task?.cancel()
        _ = try? await task?.value
        try? await backend.close()
        try? FileManager.default.removeItem(at: directory)
    }

    public func pins() -> [CAPin] { server.authorities.hostCAPins.compactMap { try? CAPin(parsing: $0) } }

    @discardableResult
    public func addToken(_ name: String, roles: [SystemRole], botName: String = "", ttl: TimeInterval = 1800) async throws -> ProvisionToken {
        var token = ProvisionToken(name: name, roles: roles, expires: clock.now.addingTimeInterval(ttl))
        token.spec.botName = botName
        if !botName.isEmpty { try await addBot(botName) }
        return try await server.tokens.create(token, upsert: false)
    }

    /// Creates the bot `name` unless it exists.
    public func addBot(_ name: String) async throws {
        if try await server.bots.get(name: name) == nil {
            _ = try await server.bots.create(BotResource(name: name), upsert: true)
        }
    }

    /// The join parameters of a bot using token `name` against this (started) cluster.
    public func botParameters(token name: String) throws -> JoinParameters {
        guard let address else { throw JoinError.unavailable("start the test cluster first") }
        return JoinParameters(authServer: address, tokenName: name, method: "token", role: .bot, nodeName: "", caPins: pins())
    }

    /// A join client for this cluster; `storage` becomes the provers' data directory.
    public func joinClient(joinParams: JSONValue = .object([:]), storage: URL? = nil) -> JoinClient {
        JoinClient(registry: registry, clock: clock, logger: Logger(label: "test-agent"),
                   proverContext: ProverContext(clock: clock, joinParams: joinParams, dataDirectory: storage))
    }
}
