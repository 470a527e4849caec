import Foundation
import JoinCore
import Server
import TestSupport
import Transport

/// The routes a token join takes in production besides the direct one to an Auth server on
/// SQLite, each stormed in the same run and at the same sizes, so that their rows compare with
/// the direct row of the same storm: through a Proxy Service in front of that Auth server
/// (``BenchProxy``), and direct to a second Auth server on PostgreSQL
/// (``PostgreSQLBenchCluster``). Either can be left out.
final class StormPaths: Sendable {
    /// One storm on one path.
    struct Row {
        /// How the joiners reached the Auth server: `direct` or `proxy`.
        var route: String
        /// The Auth server's backend: `SQLite` or `PostgreSQL`.
        var backend: String
        var storm: JoinStorm
        /// The CPU time of the PostgreSQL server's processes during the storm; nil on SQLite,
        /// whose work is in this process's figure.
        var databaseCPUSeconds: Double?
    }

    private let proxy: BenchProxy?
    private let postgres: PostgreSQLBenchCluster?

    /// Starts what the chosen paths need: a proxy in front of `cluster` (listening at
    /// `address`) and the Auth server on PostgreSQL.
    init(cluster: TestCluster, address: AuthAddress, proxy: Bool, postgres: Bool,
         rateLimits: JoinRateLimiter.Limits) async throws {
        let started = proxy ? try await BenchProxy(inFrontOf: cluster, authAddress: address) : nil
        do {
            self.postgres = postgres ? try await PostgreSQLBenchCluster(rateLimits: rateLimits) : nil
        } catch {
            await started?.stop()
            throw error
        }
        self.proxy = started
    }

    /// The storms of `joiners` on each path, one after the other; all verify the server, with
    /// the CA pin direct and with the proxy's certificate through it.
    func storm(joiners: Int, cluster: TestCluster, address: AuthAddress) async throws -> [Row] {
        var rows: [Row] = []
        if let proxy {
            let storm = try await JoinStorm.run(cluster: cluster, address: proxy.address, joiners: joiners, pinned: false,
                                                dialer: proxy.dialer)
            rows.append(Row(route: "proxy", backend: "SQLite", storm: storm))
        }
        if let postgres {
            let before = postgres.serverCPUSeconds()
            let storm = try await JoinStorm.run(cluster: postgres.cluster, address: postgres.address, joiners: joiners, pinned: true)
            rows.append(Row(route: "direct", backend: "PostgreSQL", storm: storm,
                            databaseCPUSeconds: postgres.serverCPUSeconds() - before))
        }
        return rows
    }

    /// Stops the proxy and the PostgreSQL Auth server.
    func stop() async {
        await proxy?.stop()
        await postgres?.stop()
    }
}
