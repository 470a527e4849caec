import Foundation

/// The listen backlog of a server port: how many connections the kernel may hold, handshaken
/// but not yet accepted, before it drops new SYNs (a dropped SYN costs the client the kernel's
/// 1 s retransmission timeout).
///
/// A fleet reconnecting after a restart arrives faster than one accept loop takes connections,
/// so the default is the largest queue the kernel grants, `net.core.somaxconn` (4096 on current
/// Linux), not the 128 of NIO's default. Linux silently caps any larger request at somaxconn;
/// ``cappedByKernel`` says when that happens so that it can be logged.
public struct ListenBacklog: Sendable, Equatable {
    /// What the socket is asked for.
    public let requested: Int
    /// `net.core.somaxconn` as read at start.
    public let kernelMaximum: Int

    /// Where Linux publishes somaxconn.
    public static let somaxconnPath = "/proc/sys/net/core/somaxconn"
    /// Used when somaxconn cannot be read (not Linux, or /proc not mounted).
    public static let fallback = 4096

    /// The backlog for a port: `configured` when the configuration sets one, else somaxconn.
    public init(configured: Int?, kernelMaximum: Int = ListenBacklog.readKernelMaximum()) {
        self.kernelMaximum = kernelMaximum
        self.requested = configured ?? kernelMaximum
    }

    /// The queue length the kernel will actually keep.
    public var effective: Int { min(requested, kernelMaximum) }

    /// True when the configured value exceeds what the kernel grants.
    public var cappedByKernel: Bool { requested > kernelMaximum }

    /// `net.core.somaxconn`, or ``fallback`` when it cannot be read.
    public static func readKernelMaximum(path: String = somaxconnPath) -> Int {
        readInteger(path: path) ?? fallback
    }

    /// A positive integer from a one-line /proc file; nil when absent or not one.
    static func readInteger(path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0 else { return nil }
        return value
    }
}
