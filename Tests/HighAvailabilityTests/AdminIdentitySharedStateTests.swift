import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import TokenJoin
import XCTest

/// Two Auth servers on one real PostgreSQL database: each one's current Admin identity works
/// against both (the run check reads the shared backend, not process memory), and a copy taken
/// before one of them restarts is refused by both after it. Every call goes through the real
/// tctl binary with `--identity`.
final class AdminIdentitySharedStateTests: XCTestCase {
    nonisolated(unsafe) private static var postgres: PostgresServer?
    private var servers: [RestartableAuthServer] = []
    private var backends: [any Backend] = []
    private var scratch: URL?

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
        for server in servers { await server.stop() }
        for backend in backends { try? await backend.close() }
        servers = []
        backends = []
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private func start(dataDirectory: URL, database: String) async throws -> RestartableAuthServer {
        let backend = try await PostgreSQLBackend(connString: database, clock: SystemClock(), logger: Logger(label: "test-pg"))
        backends.append(backend)
        let server = try await RestartableAuthServer(
            dataDirectory: dataDirectory, backend: backend, registry: JoinMethodRegistry(plugins: [.storedTokens]))
        servers.append(server)
        try await server.start()
        return server
    }

    private func tctlStatus(identity: URL, at server: RestartableAuthServer) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.tctl.path) else {
            throw XCTSkip("tctl binary not found at \(ClusterProcesses.tctl.path); run `swift build` first")
        }
        let address = try XCTUnwrap(server.address)
        return try Command.run(ClusterProcesses.tctl, ["--identity", identity.path, "--auth-server", address.description, "status"])
    }

    func testEachServersAdminIdentityWorksAgainstBothAndARestartEndsTheEarlierOne() async throws {
        guard let postgres = Self.postgres else {
            throw TestFailure("no PostgreSQL: scripts/install-deps installs it (\(PostgresServer.script.path) start failed)")
        }
        let database = try await postgres.createDatabase()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ha-admin-\(UUID().uuidString)")
        self.scratch = scratch
        let first = try await start(dataDirectory: scratch.appendingPathComponent("auth-1"), database: database)
        let second = try await start(dataDirectory: scratch.appendingPathComponent("auth-2"), database: database)

        for identity in [first.adminDirectory, second.adminDirectory] {
            for server in [first, second] {
                let result = try tctlStatus(identity: identity, at: server)
                XCTAssertEqual(result.status, 0, "\(identity.path) against \(server.dataDirectory.lastPathComponent): \(result.combined)")
            }
        }

        let copy = try first.copyAdminIdentity(to: scratch.appendingPathComponent("copy"))
        await first.stop()
        let restarted = try await start(dataDirectory: first.dataDirectory, database: database)
        for server in [restarted, second] {
            let result = try tctlStatus(identity: copy, at: server)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains("belongs to an earlier run of the Auth server"), result.combined)
        }
        for identity in [restarted.adminDirectory, second.adminDirectory] {
            for server in [restarted, second] {
                let result = try tctlStatus(identity: identity, at: server)
                XCTAssertEqual(result.status, 0, result.combined)
            }
        }
    }
}
