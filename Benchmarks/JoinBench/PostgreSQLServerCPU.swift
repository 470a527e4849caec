import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The CPU time a running PostgreSQL server has used: its postmaster (whose pid heads
/// `postmaster.pid` in the data directory) and every process it started, from `/proc/PID/stat`.
///
/// Each process counts its own time and that of its children that have exited and been
/// reaped (`utime + stime + cutime + cstime`), so backends of closed connections are counted
/// by the postmaster, and live ones by themselves. `getrusage` cannot see any of it: the
/// server is not this process's child but `pg_ctl`'s.
enum PostgreSQLServerCPU {
    /// CPU seconds so far; 0 when the server is not running.
    static func seconds(dataDirectory: URL) -> Double {
        guard let pidFile = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8),
              let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) else { return 0 }
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        let ticks = processes.compactMap(ProcessTimes.init).filter { $0.pid == postmaster || $0.parent == postmaster }
            .reduce(0) { $0 + $1.ticks }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// One process's line of `/proc/PID/stat`, as far as the CPU is concerned.
    private struct ProcessTimes {
        var pid: Int32
        var parent: Int32
        /// utime + stime + cutime + cstime, in clock ticks.
        var ticks: Int

        init?(_ pid: Int32) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let nameEnd = stat.lastIndex(of: ")") else { return nil }
            // Field n of the line (1-based; utime is 14) is fields[n - 3] after "pid (name)".
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
            guard fields.count > 14, let parent = Int32(fields[1]) else { return nil }
            self.pid = pid
            self.parent = parent
            ticks = fields[11...14].compactMap { Int($0) }.reduce(0, +)
        }
    }
}
