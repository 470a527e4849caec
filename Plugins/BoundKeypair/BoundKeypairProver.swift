import Foundation
import JoinCore
import Logging
import Synchronization

/// The `bound_keypair` method, client half (spec §8.3, §8.8): sends the registration secret
/// (only before the first join state) and the last join state, signs the server's challenges
/// with the matching private key, generates a key when asked to rotate, and stores the new join
/// state and active key from the result.
///
/// State lives in ``ProverContext/dataDirectory`` (the bot's storage directory) as
/// ``BoundKeypairClientState`` files; the registration secret is resolved when the prover is
/// made, for each join, from its ``BoundKeypairOnboarding`` section, a file or the environment.
public struct BoundKeypairProver: JoinProver {
    public let name = BoundKeypairJoinMethod.methodName
    /// The bot's storage directory, where the ``BoundKeypairClientState`` files live.
    public let directory: URL
    let registrationSecret: String?
    let clock: any JoinClock
    let logger: Logger
    private let state: StateBox

    public init(context: ProverContext) throws {
        guard let directory = context.dataDirectory else {
            throw JoinError.badParameter("bound_keypair joining needs a storage directory for the bot's keypair and join state")
        }
        self.directory = directory
        registrationSecret = try BoundKeypairOnboarding.registrationSecret(for: context)
        clock = context.clock
        logger = context.logger
        state = StateBox()
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        let loaded = try BoundKeypairClientState.load(directory: directory, logger: logger)
        state.set(loaded)
        if loaded.activeKey == nil && registrationSecret == nil {
            throw JoinError.notFound(
                "bound_keypair: no keypair in \(directory.path) and no registration secret: run `tbot keypair create` and "
                    + "register its public key as the token's initial_public_key, or set onboarding.bound_keypair.registration_secret")
        }
        var message = BoundKeypairMessages.Init(previousJoinState: loaded.joinState)
        if loaded.joinState == nil { message.initialJoinSecret = registrationSecret }
        return try BoundKeypairMessages.encode(message)
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        switch try BoundKeypairMessages.decode(BoundKeypairMessages.ServerChallenge.self, from: challenge, what: "server challenge") {
        case .challenge(let publicKeyLine, let document):
            let publicKey = try JWSPublicKey(SSHPublicKey(authorizedKey: publicKeyLine))
            let stored = try current()
            guard let key = stored.privateKey(for: publicKey) else { throw missingKey(publicKey.ssh, in: stored) }
            // Sign only a challenge document for this very key: a signature is never lent to
            // anything else the other end might want signed.
            guard let claims = try? JSONDecoder().decode(JSONValue.self, from: Data(document.utf8)),
                  claims["sub"]?.stringValue == publicKey.keyID, claims["nonce"]?.stringValue != nil else {
                throw JoinError.badParameter("bound_keypair: the Auth server sent a challenge that is not for key \(publicKey.ssh.fingerprint); refusing to sign it")
            }
            // Nor a challenge bound to other keys than the ones this bot generated: signing it
            // would certify whoever replaced them.
            guard let ours = request.keyBinding else {
                throw JoinError.internalError("bound_keypair: no key binding to sign: the proof must be bound to the keys this join certifies")
            }
            guard let theirs = claims["key_binding"]?.stringValue.flatMap(KeyBinding.init(text:)), theirs.matches(ours) else {
                throw JoinError.accessDenied(
                    "bound_keypair: the Auth server's challenge is bound to other public keys than the ones this bot generated: "
                        + "something between this bot and the Auth server replaced them; refusing to sign it")
            }
            let solution = try CompactJWS.sign(payload: Data(document.utf8), with: key)
            return try BoundKeypairMessages.encode(BoundKeypairMessages.Solution(solution: solution))
        case .rotation(let suite):
            let key = try BoundKeypairKeySuite.generateKey(suite: suite)
            var updated = try current()
            try updated.remember(generated: key, at: clock.now)
            state.set(updated)
            logger.info("bound_keypair: generated a new key \(key.publicKey.ssh.fingerprint) as the Auth server asked")
            return try BoundKeypairMessages.encode(BoundKeypairMessages.RotationResponse(publicKey: key.publicKey.ssh.authorizedKey))
        }
    }

    public func finish(methodResult: Data, for request: ProofRequest) async throws {
        let result = try BoundKeypairMessages.decode(BoundKeypairMessages.Result.self, from: methodResult, what: "join result")
        try BoundKeypairMessages.bound(result.joinState, CompactJWS.maximumLength, "join_state")
        try BoundKeypairMessages.bound(result.publicKey, BoundKeypairMessages.maximumPublicKeyLength, "public_key")
        var updated = try current()
        try updated.activate(SSHPublicKey(authorizedKey: result.publicKey), joinState: result.joinState, at: clock.now)
        state.set(updated)
    }

    /// The Auth server wants a key this bot does not hold: the token is bound to another copy
    /// of the bot, or this storage was replaced or rolled back further than the key history.
    private func missingKey(_ wanted: SSHPublicKey, in state: BoundKeypairClientState) -> JoinError {
        let situation = state.activeKey == nil
            ? "this bot has no keypair in \(directory.path), so the token's registration secret was already used by an earlier join"
            : "it is neither this bot's key nor in its key history in \(directory.path)"
        return JoinError.notFound(
            "bound_keypair: the token is bound to key \(wanted.fingerprint), but \(situation); "
                + "restore the bot's storage, or recreate the token to onboard this bot again")
    }

    private func current() throws -> BoundKeypairClientState {
        if let loaded = state.get() { return loaded }
        let loaded = try BoundKeypairClientState.load(directory: directory, logger: logger)
        state.set(loaded)
        return loaded
    }

    /// The state loaded for this join, shared by its rounds.
    private final class StateBox: Sendable {
        private let value = Mutex<BoundKeypairClientState?>(nil)
        func get() -> BoundKeypairClientState? { value.withLock { $0 } }
        func set(_ state: BoundKeypairClientState) { value.withLock { $0 = state } }
    }
}
