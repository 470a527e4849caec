import Foundation
import JoinCore
import Logging
import Server
import StaticJoin
import TestSupport
import TokenJoin
import Transport

/// The benchmark's second Auth server, on the PostgreSQL backend Teleport clusters use for
/// high availability: a throwaway PostgreSQL on 127.0.0.1 (``PostgresServer``, which runs
/// `scripts/postgres`), a fresh database in it, and an Auth server with the same join methods
/// and raised rate limits as the SQLite one, so the two storms differ only in the backend.
///
/// PostgreSQL runs in processes of its own, so ``serverCPUSeconds()`` reads their CPU time:
/// a storm's CPU per join on this path is this process's plus the server's.
final class PostgreSQLBenchCluster: Sendable {
    let cluster: TestCluster
    let address: AuthAddress
    private let postgres: PostgresServer

    /// Starts PostgreSQL, then the Auth server on a new database in it.
    ///
    /// - Throws: ``PostgresServer``'s error when PostgreSQL cannot start (it names what to
    ///   install), extended with the option that skips these storms.
    init(rateLimits: JoinRateLimiter.Limits) async throws {
        let postgres: PostgresServer
        do {
            postgres = try PostgresServer()
        } catch {
            throw BenchmarkFailure("\(error) (--postgres-storms 0 skips the storms on PostgreSQL)")
        }
        do {
            let backend = try await PostgreSQLBackend(connString: try await postgres.createDatabase(), clock: SystemClock(),
                                                      logger: Logger(label: "bench-postgresql"))
            cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]),
                                            rateLimits: rateLimits, backend: backend)
            address = try await cluster.start()
        } catch {
            postgres.stop()
            throw error
        }
        self.postgres = postgres
    }

    /// CPU seconds the PostgreSQL server's processes have used so far (``PostgreSQLServerCPU``).
    func serverCPUSeconds() -> Double {
        PostgreSQLServerCPU.seconds(dataDirectory: postgres.directory.appendingPathComponent("data"))
    }

    /// Stops the Auth server, then PostgreSQL, and removes both scratch directories.
    func stop() async {
        await cluster.stop()
        postgres.stop()
    }
}
