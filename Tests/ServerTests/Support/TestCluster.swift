import Agent
import Crypto
import Foundation
import JoinCore
import JoineryProto
import Logging
import Server
import StaticJoin
import TokenJoin

/// A real Auth server for tests: SQLite in a scratch directory, the built-in methods, TLS on a
/// free port of 127.0.0.1. `stop()` cancels it and removes the directory.
final class TestCluster: @unchecked Sendable {
    static let clusterName = "test.example.com"

    let directory: URL
    let backend: SQLiteBackend
    let server: AuthServer
    let clock: any JoinClock
    private var task: Task<Void, any Error>?
    private(set) var address: AuthAddress?

    static let registry = JoinMethodRegistry(plugins: [.staticTokens, .storedTokens])

    init(staticTokens: [String] = [], clock: any JoinClock = SystemClock(), rateLimits: JoinRateLimiter.Limits = .init()) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clock = clock
        backend = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: clock)
        let context = PluginContext(clock: clock, logger: Logger(label: "test"),
                                    authService: .object(["tokens": .array(staticTokens.map(JSONValue.string))]))
        let methods = try TestCluster.registry.makeMethods(context: context)
        server = try await AuthServer(
            settings: AuthServerSettings(clusterName: TestCluster.clusterName, listenHost: "127.0.0.1", listenPort: 0,
                                         advertiseAddress: "127.0.0.1:0", dataDirectory: directory.appendingPathComponent("auth"),
                                         rateLimits: rateLimits, version: "test", joinTimeoutSeconds: 10),
            backend: backend, methods: methods, clock: clock, logger: Logger(label: "test-auth"))
    }

    /// Starts serving and waits (bounded) until the port is open.
    func start() async throws -> AuthAddress {
        let (ready, continuation) = AsyncStream<String>.makeStream()
        let server = self.server
        task = Task { try await server.run(onListening: { continuation.yield($0); continuation.finish() }) }
        var iterator = ready.makeAsyncIterator()
        guard let text = await iterator.next() else { throw JoinError.unavailable("test auth server did not start") }
        let address = try AuthAddress(parsing: text)
        self.address = address
        return address
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
        try? await backend.close()
        try? FileManager.default.removeItem(at: directory)
    }

    func pins() -> [CAPin] { server.authorities.hostCAPins.compactMap { try? CAPin(parsing: $0) } }

    @discardableResult
    func addToken(_ name: String, roles: [SystemRole], botName: String = "", ttl: TimeInterval = 1800) async throws -> ProvisionToken {
        var token = ProvisionToken(name: name, roles: roles, expires: clock.now.addingTimeInterval(ttl))
        token.spec.botName = botName
        if !botName.isEmpty { try await addBot(botName) }
        return try await server.tokens.create(token, upsert: false)
    }

    /// Creates the bot `name` unless it exists.
    func addBot(_ name: String) async throws {
        if try await server.bots.get(name: name) == nil {
            _ = try await server.bots.create(BotResource(name: name), upsert: true)
        }
    }

    /// The join parameters of a bot using token `name` against this (started) cluster.
    func botParameters(token name: String) throws -> JoinParameters {
        guard let address else { throw JoinError.unavailable("start the test cluster first") }
        return JoinParameters(authServer: address, tokenName: name, method: "token", role: .bot, nodeName: "", caPins: pins())
    }

    func joinClient() -> JoinClient {
        JoinClient(registry: TestCluster.registry, clock: clock, logger: Logger(label: "test-agent"))
    }
}
