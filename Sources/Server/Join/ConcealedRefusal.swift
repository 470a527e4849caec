import JoinCore

/// A refusal whose answer to the client deliberately says less than the audit log does.
///
/// Whoever does not hold a token must not learn whether its name exists (spec §2.4, DESIGN.md
/// §2): an unknown name, an expired token and a live token of another join method all answer
/// `token expired or not found`, with the same status code. The operator reading the audit log
/// still needs the precise reason, so the pipeline throws this instead of a bare ``JoinError``.
/// ``JoinPipeline`` audits ``auditReason`` and rethrows only ``answer``: the reason never
/// reaches a transport.
///
/// The same answer is not enough when the time to give it differs: finding a live token (read,
/// decode, compare methods) takes measurably longer than missing one. So every
/// `token expired or not found` answer is held until ``minimumDelay`` after `ClientInit`
/// arrived (``JoinPipeline`` does it, after the audit write), which hides the difference under
/// a floor the natural work stays well below. The wait costs no CPU; an honest client with a
/// wrong token loses 10 ms, a prober a little of its rate.
struct ConcealedRefusal: Error, Sendable {
    /// What the client is told.
    let answer: JoinError
    /// What the audit event records.
    let auditReason: String

    /// The least time between `ClientInit` and a `token expired or not found` answer. The
    /// benchmark `joinery-bench token-probe-timing` measures the unpadded paths at well under
    /// 1 ms at the median and a few ms at p99 on two cores.
    static let minimumDelay: Duration = .milliseconds(10)

    /// A refusal that answers exactly like an unknown token name.
    static func tokenExpiredOrNotFound(because reason: String) -> ConcealedRefusal {
        ConcealedRefusal(answer: .tokenExpiredOrNotFound, auditReason: reason)
    }

    /// True when `error` is the answer that must not tell token names apart.
    static func concealsTokenExistence(_ error: any Error) -> Bool {
        (error as? JoinError) == .tokenExpiredOrNotFound
    }
}
