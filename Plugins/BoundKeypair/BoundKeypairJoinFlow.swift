import Foundation
import JoinCore
import Logging

/// The decision for one `bound_keypair` attempt: spec §8.5's table, then rotation, then the
/// ``Attestation`` whose patch and result the core commits and returns.
///
/// | bound | bound instance | caller has identity | case |
/// |---|---|---|---|
/// | no | – | no | 1: onboarding (counts as a recovery) |
/// | no | – | yes | 2: refused |
/// | yes | no | – | 3: refused, broken state |
/// | yes | yes | yes | 4: re-join, same instance |
/// | yes | yes | no | 5: recovery, new instance |
struct BoundKeypairJoinFlow: Sendable {
    let attempt: JoinAttempt
    let exchange: any ChallengeExchange
    let clock: any JoinClock
    let logger: Logger
    let spec: BoundKeypairTokenSpec
    let status: BoundKeypairStatus
    let request: BoundKeypairMessages.Init
    let keyBinding: KeyBinding

    var tokenName: String { attempt.token.metadata.name }
    var botName: String { attempt.token.spec.botName }
    private var rounds: KeyProofRounds {
        KeyProofRounds(exchange: exchange, cluster: attempt.cluster, clock: clock, facts: attempt.facts, logger: logger,
                       keyBinding: keyBinding)
    }
    private var joinsLeft: Bool {
        spec.recovery.mode != .standard || status.recoveryCount < spec.recovery.limit
    }

    /// What a case decided, before rotation.
    struct Decision {
        var kind: String
        var boundKey: SSHPublicKey
        var consumesRecovery: Bool
        var clearsRegistrationSecret: Bool = false
        var botInstance: BotInstanceChoice
    }

    func run() async throws -> Attestation {
        let bound = try status.boundKey()
        if let caller = attempt.caller, caller.botName != botName {
            // The core only passes identities of this token's bot; refuse rather than trust one that is not.
            throw JoinError.accessDenied("the presented bot identity belongs to another bot, not \(botName)")
        }
        let decision: Decision
        switch (bound, attempt.caller) {
        case (nil, nil):
            decision = try await reportingRecovery { try await onboard() }
        case (nil, .some):
            throw BoundKeypairErrors.firstJoinWithCredentials
        case (.some, _) where status.boundBotInstanceID == nil:
            throw BoundKeypairErrors.badBackendState
        case (.some(let key), .some(let caller)):
            decision = try await rejoin(key, caller: caller)
        case (.some(let key), nil):
            decision = try await reportingRecovery { try await recover(key) }
        }
        return try await attestation(for: decision)
    }

    // MARK: The cases

    /// Case 1: the first join binds the pre-registered key, or a key the client generates after
    /// showing the registration secret.
    private func onboard() async throws -> Decision {
        guard joinsLeft else { throw BoundKeypairErrors.noRecoveriesRemaining }
        if let initial = spec.onboarding.initialPublicKey {
            try await rounds.prove(initial)
            return Decision(kind: "initial", boundKey: initial, consumesRecovery: true, botInstance: .new(previousInstanceID: nil))
        }
        guard let secret = status.registrationSecret else { throw BoundKeypairErrors.noOnboardingCredential }
        try checkRegistrationSecret(secret)
        let key = try await rounds.newKey(replacing: nil)
        return Decision(kind: "registration", boundKey: key, consumesRecovery: true, clearsRegistrationSecret: true,
                        botInstance: .new(previousInstanceID: nil))
    }

    /// Case 4: a bot with a current identity re-joins; its instance continues.
    private func rejoin(_ key: SSHPublicKey, caller: BotCaller) async throws -> Decision {
        try await rounds.prove(key)
        _ = try verifyJoinStateIfRequired()
        guard caller.instanceID == status.boundBotInstanceID else {
            attempt.facts.record("caller_bot_instance_id", UntrustedString.sanitize(caller.instanceID))
            throw BoundKeypairErrors.botInstanceMismatch
        }
        return Decision(kind: "rejoin", boundKey: key, consumesRecovery: false,
                        botInstance: .continueCaller(lockOnMismatch: .joinToken(tokenName)))
    }

    /// Case 5: a bot whose identity expired recovers; it gets a new instance.
    private func recover(_ key: SSHPublicKey) async throws -> Decision {
        try await rounds.prove(key)
        guard joinsLeft else { throw BoundKeypairErrors.noRejoinsRemaining }
        let state = try verifyJoinStateIfRequired()
        let previous = state?.claims.botInstanceID ?? status.boundBotInstanceID
        return Decision(kind: "recovery", boundKey: key, consumesRecovery: true, botInstance: .new(previousInstanceID: previous))
    }

    // MARK: Checks

    private func checkRegistrationSecret(_ secret: String) throws {
        let refusal: String?
        if let given = request.initialJoinSecret, !given.isEmpty {
            if let deadline = spec.onboarding.mustRegisterBefore, clock.now > deadline {
                refusal = "the token's must_register_before (\(RFC3339.format(deadline))) has passed"
            } else if !ConstantTime.equals(given, secret) {
                refusal = "the registration secret does not match"
            } else {
                refusal = nil
            }
        } else {
            refusal = "no registration secret was provided"
        }
        if let refusal {
            attempt.facts.record("registration_failure", refusal)
            throw BoundKeypairErrors.registrationSecretRequired
        }
    }

    /// Spec §8.6: the join state is required once a recovery was used, unless the mode is
    /// insecure. Called only after a successful challenge, so a failure here means someone holds
    /// the key without the newest state: the token is locked.
    private func verifyJoinStateIfRequired() throws -> JoinState? {
        guard status.recoveryCount > 0, spec.recovery.mode != .insecure else { return nil }
        guard let text = request.previousJoinState, !text.isEmpty else { throw BoundKeypairErrors.joinStateRequired }
        do {
            return try JoinState.verify(text, cluster: attempt.cluster, botName: botName, status: status, now: clock.now)
        } catch let failure as JoinState.Failure {
            attempt.facts.record("join_state_failure", failure.reason)
            attempt.effects.lock(.joinToken(tokenName), message: BoundKeypairErrors.lockMessage(token: tokenName))
            attempt.effects.emit(BoundKeypairEvents.joinStateVerificationFailed(token: tokenName, bot: botName, reason: failure.reason))
            logger.warning("bound_keypair: join state verification failed (\(failure.reason)); locking the token",
                           metadata: ["token": "\(tokenName)", "bot": "\(botName)"])
            throw BoundKeypairErrors.joinStateVerificationFailed
        }
    }

    /// Runs a case that consumes a recovery, emitting a failed `bound_keypair.recovery` event
    /// when it throws (the successful one is emitted once the join is committed).
    private func reportingRecovery(_ body: () async throws -> Decision) async throws -> Decision {
        do {
            return try await body()
        } catch {
            let message = (error as? JoinError)?.message ?? String(describing: error)
            attempt.effects.emit(BoundKeypairEvents.recovery(token: tokenName, bot: botName, count: status.recoveryCount,
                                                             mode: spec.recovery.mode, failure: message))
            throw error
        }
    }

    // MARK: Rotation and the result

    /// Spec §8.5: rotate when `rotate_after` has come and the last rotation was before it.
    private var rotationDue: Bool {
        guard let rotateAfter = spec.rotateAfter, rotateAfter <= clock.now else { return false }
        return status.lastRotatedAt.map { $0 < rotateAfter } ?? true
    }

    private func attestation(for decision: Decision) async throws -> Attestation {
        var boundKey = decision.boundKey
        let rotated = rotationDue
        if rotated {
            do {
                boundKey = try await rounds.newKey(replacing: decision.boundKey)
            } catch {
                attempt.effects.emit(BoundKeypairEvents.rotation(token: tokenName, bot: botName, previousKey: decision.boundKey,
                                                                 newKey: nil, failure: (error as? JoinError)?.message ?? "\(error)"))
                throw error
            }
        }
        let patch = BoundKeypairStatusPatch(
            observedSpec: attempt.token.spec, observed: status, observedLimit: spec.recovery.limit, consumesRecovery: decision.consumesRecovery,
            boundKey: boundKey, clearsRegistrationSecret: decision.clearsRegistrationSecret, rotated: rotated,
            tokenName: tokenName, logger: logger)
        let result = BoundKeypairJoinResult(
            cluster: attempt.cluster, tokenName: tokenName, botName: botName, effects: attempt.effects,
            reportsRecovery: decision.consumesRecovery, rotatedFrom: rotated ? decision.boundKey : nil)
        let recoveryCount = UInt64(status.recoveryCount) + (decision.consumesRecovery ? 1 : 0)
        attempt.facts.record([
            "bot_name": botName, "join_kind": decision.kind, "public_key": boundKey.fingerprint,
            "recovery_count": String(recoveryCount), "recovery_mode": spec.recovery.mode.rawValue,
            "rotated": rotated ? "yes" : "no",
        ])
        return Attestation(
            tokenChange: .patch(patch.tokenPatch),
            bot: .init(instance: decision.botInstance),
            methodResult: { token, commit in try result.make(token, commit) })
    }
}
