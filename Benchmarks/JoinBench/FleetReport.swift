import Foundation

/// The fleet benchmark's report: markdown tables on stdout, the Auth server process and the
/// load generator in separate rows, then the issue's targets against what was measured.
extension FleetBenchmark {
    func printReport() {
        let nodes = steady.nodes
        print("# Joinery fleet: \(nodes) nodes, one mTLS connection each, heartbeat every \(Self.number(options.intervalSeconds)) s")
        print("")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString); "
              + "Auth server in its own process (SQLite), measured through /proc/PID; generator's open-file limit "
              + "\(generatorFileLimit.map { "\($0.after) (hard \($0.hard))" } ?? "?")")
        print("")
        printJoin()
        printSteadyState()
        printRestart()
        printFailures()
        printTargets()
    }

    private func printJoin() {
        let cpu = joinServer.end.cpuSeconds - joinServer.start.cpuSeconds
        print("## Setup: the nodes join (\(options.joinConcurrency) at a time, CA pin)")
        print("")
        print("| joined | failed | seconds | joins/s | Auth CPU s | Auth CPU ms/join |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| %d | %d | %.1f | %.0f | %.1f | %.2f |", join.identities.count, join.failed, join.wallSeconds,
                     join.joinsPerSecond, cpu, 1000 * cpu / Double(max(join.identities.count, 1))))
        if let error = join.firstError { print("first join error: \(error)") }
        print("")
    }

    private func printSteadyState() {
        let connect = steady.connectSeconds.map { String(format: "%.1f s", $0) } ?? "not within the wait"
        print("## Steady state: \(steady.connected) of \(steady.nodes) connected (all in \(connect); first beats "
              + "spread over \(Self.number(options.spread(nodes: steady.nodes).seconds)) s), observed \(Self.number(steady.windowSeconds)) s")
        print("")
        print("| process | RSS MiB | peak RSS MiB | open fds | threads | CPU s | % of one core |")
        print("|---|---|---|---|---|---|---|")
        for (name, window) in [("Auth server", steady.server), ("generator (N heartbeaters)", steady.generator)] {
            print(String(format: "| %@ | %.0f | %.0f | %d | %d | %.2f | %.1f%% |", name, window.end.rssMiB, window.end.peakRSSMiB,
                         window.end.openFiles, window.end.threads, window.end.cpuSeconds - window.start.cpuSeconds,
                         100 * window.end.coreShare(since: window.start)))
        }
        print("")
        let perNodeKiB = 1024 * (steady.server.end.rssMiB - joinServer.start.rssMiB) / Double(max(steady.nodes, 1))
        print("| heartbeats | per second | failed | Auth CPU µs/heartbeat | Auth RSS KiB/node (above its \(Int(joinServer.start.rssMiB)) MiB before the joins) |")
        print("|---|---|---|---|---|")
        print(String(format: "| %d | %.0f | %d | %.0f | %.1f |", steady.heartbeats, Double(steady.heartbeats) / steady.windowSeconds,
                     steady.failures, 1e6 * steady.serverCPUPerHeartbeat, perNodeKiB))
        print("")
    }

    private func printRestart() {
        print("## Restart: SIGTERM, a new Auth server process on the same port and data directory")
        print("")
        print(String(format: "Old process exited %.2f s after SIGTERM%@; the new one listened %.2f s later.", restart.shutdownSeconds,
                     restart.killed ? " (killed after the grace period)" : "", restart.startSeconds))
        print("")
        let shares = restart.reconnectedAt.map { "\(Self.number(100 * $0.share))%" }.joined(separator: " | ")
        print("| nodes accepted again, s after listening: \(shares) | all, s after SIGTERM | accepted at the end |")
        print("|" + String(repeating: "---|", count: restart.reconnectedAt.count + 2))
        let times = restart.reconnectedAt.map { $0.seconds.map { String(format: "%.1f", $0) } ?? "-" }.joined(separator: " | ")
        print("| \(times) | \(restart.allSecondsAfterSignal.map { String(format: "%.1f", $0) } ?? "-") | \(restart.reconnected) of \(restart.nodes) |")
        print("")
        print("| storm s | Auth CPU s | Auth avg % of one core | busiest second | Auth RSS MiB after | open fds after | generator CPU s "
              + "| failed heartbeats | nodes with failures | most of one node | gave up | listen overflows |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(String(format: "| %.1f | %.2f | %.1f%% | %.0f%% | %.0f | %d | %.2f | %d | %d | %d | %d | %@ |", restart.stormSeconds,
                     restart.serverCPUSeconds, 100 * restart.server.end.coreShare(since: restart.server.start),
                     100 * restart.busiestSecondCoreShare, restart.server.end.rssMiB, restart.server.end.openFiles,
                     restart.generator.end.cpuSeconds - restart.generator.start.cpuSeconds, restart.failures,
                     restart.nodesWithFailures, restart.mostFailuresOfOneNode, restart.gaveUp,
                     ListenQueueCounters.describe(restart.listenQueue)))
        print("")
        guard !restart.timeline.slices.isEmpty else { return }
        print("| s after listening | nodes accepted | Auth open fds | Auth RSS MiB | Auth % of one core | generator % of one core | failed heartbeats |")
        print("|---|---|---|---|---|---|---|")
        for slice in restart.timeline.slices {
            print(String(format: "| %.0f | %d | %d | %.0f | %.0f%% | %.0f%% | %d |", slice.seconds, slice.accepted, slice.serverOpenFiles,
                         slice.serverRSSMiB, 100 * slice.serverCoreShare, 100 * slice.generatorCoreShare, slice.failures))
        }
        print("")
    }

    private func printFailures() {
        guard !failureReasons.isEmpty else { return }
        print("## Heartbeat failures by reason (whole run)")
        print("")
        for (reason, count) in failureReasons { print("- \(count) × \(reason)") }
        print("")
    }

    private func printTargets() {
        let cpuShare = steady.serverCPUSeconds / steady.windowSeconds
        let back = restart.allSecondsAfterSignal
        print("## Against the targets (2 cores)")
        print("")
        print("| target | measured | met |")
        print("|---|---|---|")
        print(String(format: "| Auth RSS < 1 GB with %d connected nodes | %.0f MiB | %@ |", steady.nodes, steady.server.end.rssMiB,
                     steady.server.end.rssMiB < 1024 ? "yes" : "no"))
        print(String(format: "| heartbeat CPU < 5%% of one core at a %@ s interval | %.1f%% | %@ |", Self.number(options.intervalSeconds),
                     100 * cpuShare, cpuShare < 0.05 ? "yes" : "no"))
        print("| all reconnected within 2 minutes of an Auth restart | \(back.map { String(format: "%.1f s after SIGTERM", $0) } ?? "not all") "
              + "| \(back.map { $0 < 120 ? "yes" : "no" } ?? "no") |")
    }

    /// `30` for 30.0, `2.5` for 2.5.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
