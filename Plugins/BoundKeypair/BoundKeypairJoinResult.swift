import Foundation
import JoinCore

/// Builds `JoinResult.method_result` once the core committed the join (spec §8.5, end): a new
/// join state signed over the *committed* status and bot instance, and the bound key the client
/// must keep. Also reports the recovery and rotation that the commit made real.
struct BoundKeypairJoinResult: Sendable {
    let cluster: ClusterServices
    let tokenName: String
    let subject: BoundKeypairSubject
    /// The host ID a host join binds; `nil` for a bot (its instance comes from the commit).
    let hostID: String?
    let effects: AttemptEffects
    let reportsRecovery: Bool
    /// The key replaced by a rotation in this join, if one happened.
    let rotatedFrom: SSHPublicKey?

    func make(_ committed: ProvisionToken?, _ commit: CommitContext) throws -> Data {
        guard let token = committed else {
            throw JoinError.internalError("bound_keypair: the join committed no token to sign a join state for")
        }
        let spec = try BoundKeypairTokenSpec(of: token)
        let status = try BoundKeypairStatus(of: token)
        guard let instance = hostID ?? commit.botInstanceID ?? subject.boundInstance(in: status),
              let boundKey = try status.boundKey() else {
            throw JoinError.internalError("bound_keypair: the committed token is not bound to a key and a bot instance or host")
        }
        let joinState = try JoinState.issue(cluster: cluster, subject: subject, instance: instance,
                                            status: status, recovery: spec.recovery, now: commit.now)
        if reportsRecovery {
            effects.emit(BoundKeypairEvents.recovery(token: tokenName, subject: subject, count: status.recoveryCount,
                                                     mode: spec.recovery.mode))
        }
        if let rotatedFrom {
            effects.emit(BoundKeypairEvents.rotation(token: tokenName, subject: subject, previousKey: rotatedFrom, newKey: boundKey))
        }
        return try BoundKeypairMessages.encode(
            BoundKeypairMessages.Result(joinState: joinState, publicKey: boundKey.authorizedKey))
    }
}
