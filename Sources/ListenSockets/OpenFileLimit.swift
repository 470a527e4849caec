#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`). A server holding thousands of node
/// connections needs a descriptor for each; the soft limit many systems start services with
/// (1024) would refuse connections long before memory or CPU run out, so the Auth server and
/// the Proxy Service raise it to the hard limit at start, as Go programs such as Teleport do (the Go runtime has raised it at start since Go 1.19).
public struct OpenFileLimit: Sendable, Equatable {
    /// The soft limit before and after, and the hard limit.
    public let before: UInt64
    public let after: UInt64
    public let hard: UInt64

    /// Where Linux publishes the largest value `RLIMIT_NOFILE` may take.
    static let nrOpenPath = "/proc/sys/fs/nr_open"

    /// Raises the soft limit to the hard one (to `fs.nr_open` when the hard limit is
    /// unlimited); nil when the limit cannot be read. A refused raise leaves `after == before`.
    public static func raiseToHardLimit() -> OpenFileLimit? {
        var limits = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limits) == 0 else { return nil }
        let before = UInt64(limits.rlim_cur)
        var target = limits.rlim_max
        if target == rlim_t.max { target = rlim_t(ListenBacklog.readInteger(path: nrOpenPath) ?? 1_048_576) }
        guard target > limits.rlim_cur else {
            return OpenFileLimit(before: before, after: before, hard: UInt64(limits.rlim_max))
        }
        var raised = limits
        raised.rlim_cur = target
        let after = setrlimit(resource, &raised) == 0 ? UInt64(target) : before
        return OpenFileLimit(before: before, after: after, hard: UInt64(limits.rlim_max))
    }
}
