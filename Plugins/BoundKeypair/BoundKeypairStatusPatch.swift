import Foundation
import JoinCore
import Logging

/// The `status.bound_keypair` change one successful join commits (spec §8.5, end), applied by
/// the core to the freshest stored token inside a compare-and-swap.
///
/// Each change re-asserts, against that fresh copy, the state the attestation relied on: the
/// recovery count (and, when a recovery is consumed, a limit no lower than the one checked),
/// the bound key, the bound bot instance or host, the last rotation and the registration secret. If any of
/// them moved, another join or an administrator got there first, and this join must start
/// over rather than overwrite what they did.
struct BoundKeypairStatusPatch: Sendable {
    /// The token spec the attestation was decided on: roles, bot name, onboarding key or
    /// secret deadline, recovery mode and limit, rotation time. An administrator changing any
    /// of them mid-join (say, replacing a compromised `initial_public_key`) voids the join.
    var observedSpec: ProvisionToken.Spec
    /// The status the attestation was decided on.
    var observed: BoundKeypairStatus
    /// The recovery limit the attestation checked.
    var observedLimit: UInt32
    var consumesRecovery: Bool
    /// The key bound after this join (the same key on a plain re-join).
    var boundKey: SSHPublicKey
    var clearsRegistrationSecret: Bool
    /// The host a host join binds; `nil` for a bot, whose instance the core chooses (see
    /// ``JoinCore/CommitContext/botInstanceID``).
    var boundHostID: String?
    var rotated: Bool
    var tokenName: String
    var logger: Logger

    var summary: String {
        var parts = ["bind \(boundKey.fingerprint)"]
        if consumesRecovery { parts.append("recover from \(observed.recoveryCount)") }
        if clearsRegistrationSecret { parts.append("clear registration secret") }
        if rotated { parts.append("rotate") }
        return "bound_keypair: " + parts.joined(separator: ", ")
    }

    var tokenPatch: TokenPatch {
        let patch = self
        return TokenPatch(summary) { fresh, context in try patch.apply(to: fresh, context: context) }
    }

    func apply(to fresh: ProvisionToken, context: CommitContext) throws -> ProvisionToken {
        let spec: BoundKeypairTokenSpec
        var status: BoundKeypairStatus
        do {
            spec = try BoundKeypairTokenSpec(of: fresh)
            status = try BoundKeypairStatus(of: fresh)
        } catch {
            throw refuse("the stored token's bound_keypair section or status no longer reads")
        }
        try checkPreconditions(status: status, spec: spec, freshSpec: fresh.spec)
        if let boundHostID {
            status.boundHostID = boundHostID
            guard (status.boundHostGeneration ?? 0) < UInt64.max else { throw refuse("the host generation is at its maximum") }
            status.boundHostGeneration = (status.boundHostGeneration ?? 0) + 1
        } else {
            guard let instanceID = context.botInstanceID, !instanceID.isEmpty else {
                throw JoinError.internalError("bound_keypair: the join has no bot instance to bind the token to")
            }
            status.boundBotInstanceID = instanceID
        }
        if consumesRecovery {
            guard status.recoveryCount < UInt32.max else { throw refuse("the recovery counter is at its maximum") }
            status.recoveryCount += 1
            status.lastRecoveredAt = context.now
        }
        status.boundPublicKey = boundKey.authorizedKey
        if clearsRegistrationSecret { status.registrationSecret = nil }
        if rotated { status.lastRotatedAt = context.now }
        return status.stored(in: fresh)
    }

    private func checkPreconditions(status: BoundKeypairStatus, spec: BoundKeypairTokenSpec, freshSpec: ProvisionToken.Spec) throws {
        guard freshSpec == observedSpec else { throw refuse("the token's spec changed") }
        guard status.recoveryCount == observed.recoveryCount else { throw refuse("recovery_count changed") }
        if consumesRecovery, spec.recovery.limit < observedLimit { throw refuse("recovery.limit was lowered") }
        guard status.boundPublicKey == observed.boundPublicKey else { throw refuse("bound_public_key changed") }
        guard status.boundBotInstanceID == observed.boundBotInstanceID else { throw refuse("bound_bot_instance_id changed") }
        guard status.boundHostID == observed.boundHostID else { throw refuse("bound_host_id changed") }
        guard status.boundHostGeneration == observed.boundHostGeneration else { throw refuse("bound_host_generation changed") }
        guard status.lastRotatedAt == observed.lastRotatedAt else { throw refuse("last_rotated_at changed") }
        guard ConstantTime.equals(status.registrationSecret ?? "", observed.registrationSecret ?? ""),
              (status.registrationSecret == nil) == (observed.registrationSecret == nil) else {
            throw refuse("registration_secret changed")
        }
    }

    private func refuse(_ detail: String) -> JoinError {
        logger.warning("bound_keypair: not committing the join's token state: \(detail) since the join was checked",
                       metadata: ["token": "\(tokenName)"])
        return BoundKeypairErrors.unexpectedBackendState
    }
}
