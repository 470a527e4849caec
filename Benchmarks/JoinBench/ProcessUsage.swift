import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's CPU time (user + system) and peak resident set size, from `getrusage`.
/// The benchmarks run the Auth server and the load generator in one process, so their CPU
/// figures cover both (as the targets do: "load generator included").
struct ProcessUsage {
    var cpuSeconds: Double
    /// Peak RSS so far, in MiB (`ru_maxrss` is KiB on Linux).
    var peakRSSMiB: Double

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return ProcessUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                            peakRSSMiB: Double(usage.ru_maxrss) / 1024)
    }

    /// Current RSS in MiB, from /proc/self/statm.
    static func currentRSSMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}

/// Wall time and CPU time of a piece of work.
struct Measured<T> {
    var value: T
    var wallSeconds: Double
    var cpuSeconds: Double
}

extension JoinBench {
    /// Runs `body` once and reports its wall and CPU time.
    static func measure<T>(_ body: () async throws -> T) async rethrows -> Measured<T> {
        let usage = ProcessUsage.now()
        let start = ContinuousClock.now
        let value = try await body()
        let elapsed = ContinuousClock.now - start
        return Measured(value: value, wallSeconds: elapsed.seconds, cpuSeconds: ProcessUsage.now().cpuSeconds - usage.cpuSeconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
