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
///
/// For an agent's token (``BoundKeypairSubject/host``) the instance is the host ID: chosen on
/// onboarding, bound to the token, and kept by re-joins and recoveries (the machine is the
/// same one, holding the key); the caller's identity is a host certificate for that host.
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
    var subject: BoundKeypairSubject { BoundKeypairSubject(of: attempt.token) }
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
        var instance: Instance
    }

    /// What the join's certificates belong to: a bot instance the core picks, or a host ID.
    enum Instance {
        case bot(BotInstanceChoice)
        case host(String)
    }

    /// The identity the caller presented, for this token's kind of subject.
    enum Caller {
        case bot(BotCaller)
        case host(HostCaller)

        var instanceID: String {
            switch self {
            case .bot(let bot): bot.instanceID
            case .host(let host): host.hostID
            }
        }
    }

    private var caller: Caller? {
        switch subject {
        case .bot: attempt.caller.map(Caller.bot)
        case .host: attempt.hostCaller.map(Caller.host)
        }
    }

    func run() async throws -> Attestation {
        let bound = try status.boundKey()
        if let caller = attempt.caller, caller.botName != subject.botName {
            // The core only passes identities of this token's bot; refuse rather than trust one that is not.
            throw JoinError.accessDenied("the presented bot identity belongs to another bot, not \(subject.botName)")
        }
        let decision: Decision
        switch (bound, caller) {
        case (nil, nil):
            decision = try await reportingRecovery { try await onboard() }
        case (nil, .some):
            throw BoundKeypairErrors.firstJoinWithCredentials
        case (.some, _) where subject.boundInstance(in: status) == nil:
            throw BoundKeypairErrors.badBackendState
        case (.some(let key), .some(let caller)):
            decision = try await rejoin(key, caller: caller)
        case (.some(let key), nil):
            decision = try await reportingRecovery { try await recover(key) }
        }
        return try await attestation(for: decision)
    }

    /// A new instance: a bot instance the core creates, or a new host ID.
    private func newInstance(previous: String?) -> Instance {
        switch subject {
        case .bot: .bot(.new(previousInstanceID: previous))
        case .host: .host(previous ?? UUID().uuidString.lowercased())
        }
    }

    // MARK: The cases

    /// Case 1: the first join binds the pre-registered key, or a key the client generates after
    /// showing the registration secret.
    private func onboard() async throws -> Decision {
        guard joinsLeft else { throw BoundKeypairErrors.noRecoveriesRemaining }
        if let initial = spec.onboarding.initialPublicKey {
            try await rounds.prove(initial)
            return Decision(kind: "initial", boundKey: initial, consumesRecovery: true, instance: newInstance(previous: nil))
        }
        guard let secret = status.registrationSecret else { throw BoundKeypairErrors.noOnboardingCredential }
        try checkRegistrationSecret(secret)
        let key = try await rounds.newKey(replacing: nil)
        return Decision(kind: "registration", boundKey: key, consumesRecovery: true, clearsRegistrationSecret: true,
                        instance: newInstance(previous: nil))
    }

    /// Case 4: a bot or host with a current identity re-joins; its instance continues.
    private func rejoin(_ key: SSHPublicKey, caller: Caller) async throws -> Decision {
        try await rounds.prove(key)
        _ = try verifyJoinStateIfRequired()
        switch caller {
        case .bot(let bot):
            guard bot.instanceID == status.boundBotInstanceID else {
                attempt.facts.record("caller_bot_instance_id", UntrustedString.sanitize(bot.instanceID))
                throw BoundKeypairErrors.botInstanceMismatch
            }
            return Decision(kind: "rejoin", boundKey: key, consumesRecovery: false,
                            instance: .bot(.continueCaller(lockOnMismatch: .joinToken(tokenName))))
        case .host(let host):
            guard let boundHost = status.boundHostID, host.hostID == boundHost else {
                attempt.facts.record("caller_host_id", UntrustedString.sanitize(host.hostID))
                throw BoundKeypairErrors.hostMismatch
            }
            return Decision(kind: "rejoin", boundKey: key, consumesRecovery: false, instance: .host(boundHost))
        }
    }

    /// Case 5: a client whose identity expired or was lost recovers: a bot gets a new instance,
    /// a host keeps the host ID bound to the token.
    private func recover(_ key: SSHPublicKey) async throws -> Decision {
        try await rounds.prove(key)
        guard joinsLeft else { throw BoundKeypairErrors.noRejoinsRemaining }
        let state = try verifyJoinStateIfRequired()
        let previous: String? = switch subject {
        case .bot: state?.claims.botInstanceID ?? status.boundBotInstanceID
        case .host: status.boundHostID
        }
        return Decision(kind: "recovery", boundKey: key, consumesRecovery: true, instance: newInstance(previous: previous))
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
            return try JoinState.verify(text, cluster: attempt.cluster, subject: subject, status: status, now: clock.now)
        } catch let failure as JoinState.Failure {
            attempt.facts.record("join_state_failure", failure.reason)
            attempt.effects.lock(.joinToken(tokenName), message: BoundKeypairErrors.lockMessage(token: tokenName))
            // An agent's copies hold host certificates that outlive any join: lock the host too,
            // so neither copy's certificate is accepted on any call until an operator decides.
            if case .host = subject, let host = status.boundHostID {
                attempt.effects.lock(.serverID(host), message: BoundKeypairErrors.lockMessage(token: tokenName))
            }
            attempt.effects.emit(BoundKeypairEvents.joinStateVerificationFailed(token: tokenName, subject: subject, reason: failure.reason))
            logger.warning("bound_keypair: join state verification failed (\(failure.reason)); locking the token",
                           metadata: ["token": "\(tokenName)", "subject": "\(subject.claimSubject)"])
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
            attempt.effects.emit(BoundKeypairEvents.recovery(token: tokenName, subject: subject, count: status.recoveryCount,
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
                attempt.effects.emit(BoundKeypairEvents.rotation(token: tokenName, subject: subject, previousKey: decision.boundKey,
                                                                 newKey: nil, failure: (error as? JoinError)?.message ?? "\(error)"))
                throw error
            }
        }
        var hostID: String?
        if case .host(let id) = decision.instance { hostID = id }
        let patch = BoundKeypairStatusPatch(
            observedSpec: attempt.token.spec, observed: status, observedLimit: spec.recovery.limit, consumesRecovery: decision.consumesRecovery,
            boundKey: boundKey, clearsRegistrationSecret: decision.clearsRegistrationSecret, boundHostID: hostID, rotated: rotated,
            tokenName: tokenName, logger: logger)
        let result = BoundKeypairJoinResult(
            cluster: attempt.cluster, tokenName: tokenName, subject: subject, hostID: hostID, effects: attempt.effects,
            reportsRecovery: decision.consumesRecovery, rotatedFrom: rotated ? decision.boundKey : nil)
        let recoveryCount = UInt64(status.recoveryCount) + (decision.consumesRecovery ? 1 : 0)
        attempt.facts.record(subject.auditFields.merging([
            "join_kind": decision.kind, "public_key": boundKey.fingerprint,
            "recovery_count": String(recoveryCount), "recovery_mode": spec.recovery.mode.rawValue,
            "rotated": rotated ? "yes" : "no",
        ]) { $1 })
        let methodResult: @Sendable (ProvisionToken?, CommitContext) throws -> Data = { token, commit in try result.make(token, commit) }
        switch decision.instance {
        case .bot(let choice):
            return Attestation(tokenChange: .patch(patch.tokenPatch), bot: .init(instance: choice), methodResult: methodResult)
        case .host(let id):
            return Attestation(hostID: id, tokenChange: .patch(patch.tokenPatch), methodResult: methodResult)
        }
    }
}
