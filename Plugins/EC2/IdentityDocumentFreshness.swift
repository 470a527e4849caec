import Foundation
import JoinCore

/// How old an instance identity document may be — spec §6.2 step 4.
///
/// A document stays valid for as long as the instance runs, so a copy that leaks (a log, a
/// backup, a compromised process) could join forever. Teleport therefore accepts it only
/// within `aws_iid_ttl` of the instance's `pendingTime` (launch or last start): a service is
/// expected to join right after boot. A `pendingTime` up to a minute ahead of this server's
/// clock is tolerated as clock drift; further ahead, the document is refused.
public enum IdentityDocumentFreshness {
    /// `aws_iid_ttl` when the token does not set it.
    public static let defaultTTL: TimeInterval = 5 * 60
    /// How far `pendingTime` may lie in the future before the document is refused.
    public static let futureSkewTolerance: TimeInterval = 60

    /// Accepts the document if `now − pendingTime` is within [−1 minute, `ttl`] (the TTL
    /// itself included); otherwise throws AccessDenied saying which bound was crossed.
    public static func check(pendingTime: Date, now: Date, ttl: TimeInterval = defaultTTL) throws {
        let since = now.timeIntervalSince(pendingTime)
        if since < -futureSkewTolerance {
            throw EC2Errors.documentFromTheFuture(pendingTime: pendingTime, ahead: -since, tolerance: futureSkewTolerance)
        }
        if since > ttl {
            throw EC2Errors.documentTooOld(pendingTime: pendingTime, ttl: ttl, age: since)
        }
    }

    /// The same check for a verified document at `clock`'s time, with the token's
    /// `aws_iid_ttl` (nil or zero means the 5 minute default, as in Teleport).
    public static func check(_ document: InstanceIdentityDocument, clock: any JoinClock, awsIIDTTL: GoDuration?) throws {
        let configured = awsIIDTTL?.seconds ?? 0
        try check(pendingTime: document.pendingTime, now: clock.now, ttl: configured == 0 ? defaultTTL : configured)
    }
}
