import Foundation

/// The markdown of the token storms: the storms straight to the Auth server on SQLite against
/// the crypto floor (the table performance.md has kept since issue 9, with the listen-queue
/// overflows as its last column), then every path's storms against the direct one of the same
/// size (``StormPaths``).
struct TokenStormTables {
    /// The direct storms on SQLite, in the order they ran; `CA pin` and `insecure` rows.
    var direct: [JoinStorm] = []
    /// The other paths' storms, by storm size.
    var paths: [Int: [StormPaths.Row]] = [:]

    func printDirect(floor: CryptoFloor) {
        print("## Token join storms")
        print("")
        print("| joiners | trust | ok | failed | joins/s | % of floor | p50 ms | p99 ms | max ms | CPU ms/join | peak RSS MiB | listen overflows |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for storm in direct {
            print(String(format: "| %d | %@ | %d | %d | %.0f | %.0f%% | %.0f | %.0f | %.0f | %.2f | %.0f | %@ |",
                         storm.joiners, storm.pinned ? "CA pin" : "insecure", storm.succeeded, storm.failed, storm.joinsPerSecond,
                         100 * storm.joinsPerSecond / floor.joinsPerSecond, storm.latency.p50, storm.latency.p99,
                         storm.latency.max, storm.cpuSecondsPerJoin * 1000, storm.peakRSSMiB,
                         ListenQueueCounters.describe(storm.listenQueue)))
            if let error = storm.firstError { print("first error: \(error)") }
        }
        print("")
    }

    /// Nothing when no other path ran.
    func printPaths() {
        guard !paths.isEmpty else { return }
        print("## Token join storms by path (same run)")
        print("")
        print("Direct: CA pin. Proxy: TLS to the Proxy Service's web port, checked against its self-signed")
        print("`webcert.pem` as `ca_path`. CPU on PostgreSQL includes the server's processes (in brackets).")
        print("")
        print("| joiners | route | backend | ok | failed | joins/s | % of direct | p50 ms | p99 ms | CPU ms/join | listen overflows |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        var errors: [String] = []
        for baseline in direct where baseline.pinned {
            let rows = [StormPaths.Row(route: "direct", backend: "SQLite", storm: baseline)] + (paths[baseline.joiners] ?? [])
            for row in rows {
                let storm = row.storm
                let databaseMilliseconds = (row.databaseCPUSeconds ?? 0) * 1000 / Double(max(storm.succeeded, 1))
                let cpu = String(format: "%.2f", storm.cpuSecondsPerJoin * 1000 + databaseMilliseconds)
                    + (row.databaseCPUSeconds == nil ? "" : String(format: " (%.2f)", databaseMilliseconds))
                print(String(format: "| %d | %@ | %@ | %d | %d | %.0f | %.0f%% | %.0f | %.0f | %@ | %@ |",
                             storm.joiners, row.route, row.backend, storm.succeeded, storm.failed, storm.joinsPerSecond,
                             100 * storm.joinsPerSecond / baseline.joinsPerSecond, storm.latency.p50, storm.latency.p99, cpu,
                             ListenQueueCounters.describe(storm.listenQueue)))
                if let error = storm.firstError { errors.append("first error (\(row.route), \(row.backend), \(storm.joiners)): \(error)") }
            }
        }
        print("")
        for error in errors { print(error) }
        if !errors.isEmpty { print("") }
    }
}
