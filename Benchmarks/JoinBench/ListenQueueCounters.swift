import Foundation

/// The kernel's count of connections a full listen queue turned away, from the `TcpExt:` lines
/// of `/proc/net/netstat` (what `nstat -az TcpExtListenOverflows TcpExtListenDrops` shows).
///
/// A storm whose listen queue overflows does not fail: the client's SYN is dropped and resent
/// after a second, so the only trace in the storm's own figures is a p99 a second too long.
/// Read before and after each storm, the counters say whether that happened. They count for the
/// whole network namespace, so another program's connections in the same second count too.
/// Read directly rather than through `nstat`, which keeps a history file between runs.
struct ListenQueueCounters: Equatable {
    /// `ListenOverflows`: a completed handshake found the accept queue full.
    var overflows: Int
    /// `ListenDrops`: every SYN or handshake dropped at a listening socket, overflows included.
    var drops: Int

    /// The counters now; nil where `/proc/net/netstat` does not exist or lacks them.
    static func read(from file: String = "/proc/net/netstat") -> ListenQueueCounters? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// The counters in `text`, laid out as `/proc/net/netstat`: a line of names, then a line of
    /// values, each starting with the same `TcpExt:` prefix.
    static func parse(_ text: String) -> ListenQueueCounters? {
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("TcpExt:") }
        guard lines.count >= 2 else { return nil }
        let names = lines[0].split(separator: " ").dropFirst()
        let values = lines[1].split(separator: " ").dropFirst()
        let counters = Dictionary(zip(names, values).map { (String($0), Int($1)) }, uniquingKeysWith: { first, _ in first })
        guard let overflows = counters["ListenOverflows"] ?? nil, let drops = counters["ListenDrops"] ?? nil else { return nil }
        return ListenQueueCounters(overflows: overflows, drops: drops)
    }

    /// What was counted between `earlier` and `self`.
    func since(_ earlier: ListenQueueCounters) -> ListenQueueCounters {
        ListenQueueCounters(overflows: overflows - earlier.overflows, drops: drops - earlier.drops)
    }

    /// How a storm's table shows a change of the counters: `overflows` alone when nothing else
    /// was dropped, else `overflows (drops)`; `?` when they could not be read.
    static func describe(_ delta: ListenQueueCounters?) -> String {
        guard let delta else { return "?" }
        return delta.drops == delta.overflows ? "\(delta.overflows)" : "\(delta.overflows) (\(delta.drops) drops)"
    }
}
