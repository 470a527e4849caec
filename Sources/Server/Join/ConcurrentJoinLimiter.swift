import JoinCore
import Synchronization

/// Caps the join streams one source host may have open at once
/// (`auth_service.join_rate_limit.max_concurrent`).
///
/// The rate limiter counts attempts as they start; it cannot bound a stream that starts and
/// then waits (one that never sends `ClientInit`, or never answers a challenge), which holds a
/// task and its buffers until the join timeout. This cap does: a stream over it is refused at
/// once with `limitExceeded` (gRPC `resourceExhausted`), before any work is done for it.
///
/// **Which host a stream counts against** is decided by ``JoinPipeline``:
/// - A direct connection counts against its peer's host from the moment the stream opens,
///   before anything is read, so a stream that stays silent counts too.
/// - A connection presenting a Proxy certificate of this cluster carries many clients' joins,
///   so it is not counted when it opens. Once `ClientInit` is read and its forwarded client
///   address accepted (``ProxyForwarding``), the stream counts against that client's host —
///   the same address the rate limiter and the audit event use — and never against the proxy.
///
/// Hosts appear in the table only while they have open streams, so it needs no eviction.
public final class ConcurrentJoinLimiter: Sendable {
    /// One open stream's place under the cap; hand it back with ``leave(_:)`` when the stream ends.
    struct Slot: Sendable {
        let host: String
    }

    /// Streams one host may have open at once.
    public let maximumPerHost: Int
    private let open = Mutex<[String: Int]>([:])

    public init(maximumPerHost: Int) {
        self.maximumPerHost = max(1, maximumPerHost)
    }

    /// Takes a place for one more stream from `host`, or throws `limitExceeded` when it has
    /// ``maximumPerHost`` open already.
    func enter(host: String) throws -> Slot {
        let admitted = open.withLock { table -> Bool in
            let current = table[host, default: 0]
            guard current < maximumPerHost else { return false }
            table[host] = current + 1
            return true
        }
        guard admitted else {
            throw JoinError.limitExceeded(
                "too many concurrent join attempts from \(host); at most \(maximumPerHost) at a time")
        }
        return Slot(host: host)
    }

    /// Gives back the place `slot` held.
    func leave(_ slot: Slot) {
        open.withLock { table in
            let remaining = table[slot.host, default: 1] - 1
            table[slot.host] = remaining > 0 ? remaining : nil
        }
    }

    /// How many join streams from `host` are open now.
    public func openStreams(from host: String) -> Int {
        open.withLock { $0[host, default: 0] }
    }
}
