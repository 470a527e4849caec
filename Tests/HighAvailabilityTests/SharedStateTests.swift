import Agent
import BoundKeypairJoin
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import TokenJoin
import XCTest

/// Two Auth servers, each with its own backend connection, on one real PostgreSQL database:
/// they agree on the CAs, a single-use token is used once across both, bound-keypair
/// recoveries are never double-counted, and either answers for the whole cluster.
final class SharedStateTests: XCTestCase {
    nonisolated(unsafe) private static var postgres: PostgresServer?
    private var clusters: [TestCluster] = []

    override class func setUp() {
        super.setUp()
        postgres = try? PostgresServer()
    }

    override class func tearDown() {
        postgres?.stop()
        postgres = nil
        super.tearDown()
    }

    override func tearDown() async throws {
        for cluster in clusters { await cluster.stop() }
        clusters = []
    }

    private static let registry = JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair])

    /// `count` Auth servers on one fresh database, created concurrently.
    private func servers(_ count: Int = 2) async throws -> [TestCluster] {
        guard let postgres = Self.postgres else {
            throw TestFailure("no PostgreSQL: scripts/install-deps installs it (\(PostgresServer.script.path) start failed)")
        }
        let conn = try await postgres.createDatabase()
        let made = try await withThrowingTaskGroup(of: TestCluster.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let backend = try await PostgreSQLBackend(connString: conn, clock: SystemClock(), logger: Logger(label: "test-pg"))
                    return try await TestCluster(registry: Self.registry, backend: backend)
                }
            }
            return try await group.reduce(into: [TestCluster]()) { $0.append($1) }
        }
        clusters.append(contentsOf: made)
        return made
    }

    func testServersStartingTogetherOnAnEmptyDatabaseAgreeOnOneSetOfCAs() async throws {
        let servers = try await servers(3)
        let pins = Set(servers.map(\.server.authorities.hostCAPins))
        XCTAssertEqual(pins.count, 1, "one host CA pin for the cluster")
        XCTAssertEqual(servers[0].server.authorities.hostCAPins.count, 1)
        XCTAssertEqual(Set(servers.map(\.server.authorities.jwt.activeKeyID)).count, 1, "one bound-keypair CA")
        let authorities = try await servers[0].backend.range(prefix: "/authorities/")
        XCTAssertEqual(authorities.map(\.key), ["/authorities/bound_keypair", "/authorities/host", "/authorities/user"])
    }

    func testTwoHundredAttemptsWithOneBotTokenAcrossTwoServersGiveOneSuccess() async throws {
        let servers = try await servers(2)
        try await servers[0].addToken("shared-bot-token-0123456789abcdef", roles: [.bot], botName: "robot")
        let pipelines = servers.map(\.server.joinPipeline)
        let successes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                let pipeline = pipelines[index % 2]
                group.addTask {
                    let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "shared-bot-token-0123456789abcdef", role: .bot)])
                    return (try? await pipeline.run(stream, remoteAddress: "127.0.0.\(index % 200 + 1):4000")) != nil
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        XCTAssertEqual(successes, 1)
        let token = try await servers[1].backend.get("/tokens/shared-bot-token-0123456789abcdef")
        XCTAssertNil(token)
        let events = try await servers[1].backend.auditEvents(limit: 1000).filter { $0.type == "bot.join" }
        XCTAssertEqual(events.count, 200, "one audit event per attempt, none lost or doubled")
        XCTAssertEqual(events.filter(\.success).count, 1)
        let instances = try await servers[0].server.botInstances.list(botName: "robot")
        XCTAssertEqual(instances.count, 1)
    }

    func testConcurrentBoundKeypairRecoveriesThroughBothServersCountOnce() async throws {
        let servers = try await servers(2)
        let addresses = try await [servers[0].start(), servers[1].start()]
        try await servers[0].addBot("robot")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ha-bkp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let original = scratch.appendingPathComponent("original")
        try FileManager.default.createDirectory(at: original, withIntermediateDirectories: true)
        let key = try BoundKeypairClientState.createKeypair(in: original, suite: "balanced-v1", overwrite: false).publicKey
        var token = ProvisionToken(name: "ha-bkp", roles: [.bot], joinMethod: "bound_keypair")
        token.spec.botName = "robot"
        token.spec.methodSections["bound_keypair"] = .object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed")]),
        ])
        _ = try await servers[0].server.tokens.create(token, upsert: false)

        @Sendable func recover(_ directory: URL, through index: Int) async throws -> BotIdentity {
            var parameters = try servers[index].botParameters(token: "ha-bkp")
            parameters.method = "bound_keypair"
            parameters.authServer = addresses[index]
            return try await servers[index].joinClient(storage: directory).joinBot(parameters)
        }
        _ = try await recover(original, through: 0)
        let copies = try (0..<6).map { index -> URL in
            let copy = scratch.appendingPathComponent("copy-\(index)")
            try FileManager.default.copyItem(at: original, to: copy)
            return copy
        }
        let successes = await withTaskGroup(of: Bool.self) { group in
            for (index, copy) in copies.enumerated() {
                group.addTask { (try? await recover(copy, through: index % 2)) != nil }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        let stored = try await servers[1].server.tokens.get(name: "ha-bkp").token
        guard case .number(let count)? = stored.status?["bound_keypair"]?["recovery_count"] else {
            return XCTFail("no recovery count in \(String(describing: stored.status))")
        }
        XCTAssertLessThanOrEqual(successes, 1)
        XCTAssertEqual(Int(count), 1 + successes, "every counted recovery is one a client holds")
    }

    func testEitherServerAnswersForTheWholeCluster() async throws {
        let servers = try await servers(2)
        try await servers[0].addToken("listed-node-token-0123456789ab", roles: [.node])
        _ = try await servers[0].server.locks.create(
            LockResource(name: "l1", target: .joinToken("other"), message: "m", createdAt: nil, createdBy: nil), upsert: false)
        _ = try await servers[0].server.bots.create(BotResource(name: "shared-bot"), upsert: false)
        let tokens = try await servers[1].server.tokens.list().map(\.token.metadata.name)
        XCTAssertTrue(tokens.contains("listed-node-token-0123456789ab"))
        let locks = try await servers[1].server.locks.list().map(\.name)
        XCTAssertEqual(locks, ["l1"])
        let bot = try await servers[1].server.bots.get(name: "shared-bot")
        XCTAssertNotNil(bot)
        // A join decided by the second server is audited where the first reads.
        try await servers[1].server.joinPipeline.run(
            InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "listed-node-token-0123456789ab")]), remoteAddress: "127.0.0.1:9")
        let events = try await servers[0].backend.auditEvents(limit: 10)
        XCTAssertEqual(events.last?.success, true)
    }
}
