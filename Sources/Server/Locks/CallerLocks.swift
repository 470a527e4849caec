import Foundation
import JoinCore

/// Checks an authenticated caller against the locks, on every call it makes.
///
/// A lock stops more than joins: a locked host may no longer heartbeat, a locked bot instance
/// may no longer renew, a locked Proxy may no longer forward joins, and a locked admin identity
/// may no longer administer. Every mTLS handler, the bot renewal and the join pipeline's
/// authenticated paths pass the verified ``PeerIdentity`` through here, so all of them match
/// the same targets (``PeerIdentity/lockTargets``) and refuse with the same message.
///
/// Locks are read from the backend on every call (``LockStore/activeLocks(strict:)``), so a
/// lock bites on the very next call after it is created, on every Auth server sharing the
/// backend. A lock that cannot be read refuses the call, except for admin calls: one corrupt
/// lock must not lock the operator out of the only tool that can remove it.
struct CallerLocks: Sendable {
    let locks: LockStore

    /// Returns `caller` unchanged when no live lock targets it; throws `accessDenied` naming
    /// the lock otherwise.
    @discardableResult
    func checked(_ caller: PeerIdentity) async throws -> PeerIdentity {
        if let lock = try await lock(on: caller) {
            throw JoinError.accessDenied(CallerLocks.refusal(lock))
        }
        return caller
    }

    /// The first live lock that targets `caller`, if any.
    func lock(on caller: PeerIdentity) async throws -> LockResource? {
        try await locks.firstLock(targeting: caller.lockTargets, strict: caller.role != .admin)
    }

    /// `server_id=<id> is locked: <message> (lock <name>)`.
    static func refusal(_ lock: LockResource) -> String {
        "\(lock.refusal(targetDisplay: UntrustedString.sanitize(lock.target.value))) (lock \(UntrustedString.sanitize(lock.name)))"
    }
}

extension PeerIdentity {
    /// What may lock this identity: its host ID (hosts and admin identities) or its bot
    /// instance (bots), and each system role it holds — an Instance certificate holding Proxy
    /// is locked by a lock on role Proxy.
    ///
    /// Role `Admin` is never among them: a lock on it would shut out every tctl, including the
    /// one needed to remove it (``JoinCore/LockTarget`` refuses to parse one; this keeps a lock
    /// written straight into the backend from doing it). An admin identity is locked by its
    /// `server_id`.
    var lockTargets: [LockTarget] {
        var targets: [LockTarget] = []
        if let bot {
            if !bot.instanceID.isEmpty { targets.append(.botInstanceID(bot.instanceID)) }
        } else {
            targets.append(.serverID(hostID))
        }
        for held in [role] + systemRoles where held != .admin && !targets.contains(.role(held)) {
            targets.append(.role(held))
        }
        return targets
    }
}
