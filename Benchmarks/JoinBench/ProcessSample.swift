import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Another process's cost, read from outside through `/proc/PID`: what `getrusage` cannot tell
/// about a process that is not this one, and what ``ProcessUsage`` leaves out (current RSS,
/// open descriptors). The fleet benchmark reads its Auth server process this way, and itself
/// (`/proc/self`) the same way, so the two columns of its report are measured alike.
struct ProcessSample: Sendable {
    /// utime + stime of every thread so far (`/proc/PID/stat` fields 14 and 15).
    var cpuSeconds: Double
    /// `VmRSS` and `VmHWM` of `/proc/PID/status`.
    var rssMiB: Double
    var peakRSSMiB: Double
    /// Entries of `/proc/PID/fd`.
    var openFiles: Int
    var threads: Int
    var taken: ContinuousClock.Instant

    /// The process `pid` now (`nil` for this one); nil once it has gone.
    static func read(_ pid: pid_t? = nil) -> ProcessSample? {
        let directory = pid.map { "/proc/\($0)" } ?? "/proc/self"
        guard let stat = try? String(contentsOfFile: "\(directory)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "\(directory)/status", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        // Field n of the line (1-based; utime is 14) is fields[n - 3] after "pid (name)".
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/fd").count) ?? 0
        let values = statusValues(status)
        return ProcessSample(
            cpuSeconds: (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))),
            rssMiB: Double(values["VmRSS"] ?? 0) / 1024, peakRSSMiB: Double(values["VmHWM"] ?? 0) / 1024,
            openFiles: files, threads: values["Threads"] ?? 0, taken: .now)
    }

    /// `Name:  value [kB]` lines as numbers.
    private static func statusValues(_ text: String) -> [String: Int] {
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let number = parts[1].split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) }) else { continue }
            values[String(parts[0])] = number
        }
        return values
    }

    /// CPU used between `earlier` and this sample, as a share of one core.
    func coreShare(since earlier: ProcessSample) -> Double {
        (cpuSeconds - earlier.cpuSeconds) / max((taken - earlier.taken).seconds, 1e-9)
    }
}
