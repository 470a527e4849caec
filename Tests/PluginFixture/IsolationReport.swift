import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the fixture program was given, written as JSON to the path in its `report_path`
/// setting before it serves anything: its whole environment, its open file descriptors (with
/// what each points to), its user, group and supplementary groups, and whether it may gain
/// privileges. The plugin-isolation tests read it to see what a plugin really receives.
enum IsolationReport {
    static func write(to path: String) throws {
        var descriptors: [String: String] = [:]
        let listing = "/proc/self/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: listing)) ?? []
        // The listing's own descriptor is closed again by now: report only those still open.
        for entry in entries where Int32(entry).map({ fcntl($0, F_GETFD) != -1 }) ?? false {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(listing)/\(entry)")) ?? "?"
            descriptors[entry] = target
        }
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        _ = getgroups(count, &groups)
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let noNewPrivileges = status.split(separator: "\n").first { $0.hasPrefix("NoNewPrivs:") }
            .map { $0.split(separator: "\t").last.map(String.init) ?? "" } ?? ""
        let report: [String: Any] = [
            "environment": ProcessInfo.processInfo.environment,
            "descriptors": descriptors,
            "uid": Int(getuid()), "euid": Int(geteuid()), "gid": Int(getgid()), "egid": Int(getegid()),
            "groups": groups.map { Int($0) },
            "no_new_privs": noNewPrivileges.trimmingCharacters(in: .whitespaces),
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    }
}
