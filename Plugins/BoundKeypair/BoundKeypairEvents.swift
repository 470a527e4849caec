import JoinCore

/// The method's own audit events (spec §8.5), written by the core next to the `bot.join`
/// event: recoveries (the first join included), key rotations, and join states that failed to
/// verify. Fields hold verified, non-secret facts only.
enum BoundKeypairEvents {
    static let recoveryType = "bound_keypair.recovery"
    static let rotationType = "bound_keypair.rotation"
    static let joinStateFailureType = "bound_keypair.join_state_verification_failed"

    static let recoveryCode = "TBK001I"
    static let rotationCode = "TBK002I"
    static let joinStateFailureCode = "TBK003W"

    static func recovery(token: String, subject: BoundKeypairSubject, count: UInt32, mode: BoundKeypairTokenSpec.RecoveryMode,
                         failure: String? = nil) -> AttemptEffects.Event {
        AttemptEffects.Event(
            type: recoveryType, code: recoveryCode, success: failure == nil,
            fields: subject.auditFields.merging(
                ["token_name": token, "recovery_count": String(count), "recovery_mode": mode.rawValue]) { $1 },
            failure: failure)
    }

    static func rotation(token: String, subject: BoundKeypairSubject, previousKey: SSHPublicKey?, newKey: SSHPublicKey?,
                         failure: String? = nil) -> AttemptEffects.Event {
        var fields = subject.auditFields.merging(["token_name": token]) { $1 }
        if let previousKey { fields["previous_public_key"] = previousKey.fingerprint }
        if let newKey { fields["public_key"] = newKey.fingerprint }
        return AttemptEffects.Event(type: rotationType, code: rotationCode, success: failure == nil,
                                    fields: fields, failure: failure)
    }

    static func joinStateVerificationFailed(token: String, subject: BoundKeypairSubject, reason: String) -> AttemptEffects.Event {
        AttemptEffects.Event(
            type: joinStateFailureType, code: joinStateFailureCode, success: false,
            fields: subject.auditFields.merging(["token_name": token, "reason": reason]) { $1 }, failure: reason)
    }
}
