import Foundation
import JoinCore
import Logging
import Synchronization

/// The `bound_keypair` method, client half (spec §8.3, §8.8), for bots and agents: sends the
/// registration secret (only before the first join state) and the last join state, signs the
/// server's challenges with the matching private key, generates a key when asked to rotate,
/// and stores the new join state and active key from the result.
///
/// State lives as ``BoundKeypairClientState`` files in a bot's storage directory, or in
/// `bound_keypair/` of an agent's `data_dir` (``stateDirectory(for:)``). The credential for the first join
/// is resolved when the prover is made, for each join, from its ``BoundKeypairOnboarding``
/// section, a file or the environment. With a static key (``StaticBoundKey``) nothing is
/// stored: the key is the one configured, and no join state is kept.
public struct BoundKeypairProver: JoinProver {
    public let name = BoundKeypairJoinMethod.methodName
    /// The storage the prover was given: a bot's storage directory, or an agent's `data_dir`.
    public let directory: URL
    let registrationSecret: String?
    let staticKey: StaticBoundKey?
    let clock: any JoinClock
    let logger: Logger
    private let state: StateBox

    /// The subdirectory of an agent's `data_dir` that holds its bound keypair and join state.
    public static let agentDirectoryName = "bound_keypair"

    /// A process holding its key in its own storage proves it again each time it starts (see
    /// ``JoinCore/JoinProver/provesAgainAtStart``): its join state then moves on, and a copy of
    /// its storage started elsewhere holds a stale one and is caught.
    public var provesAgainAtStart: Bool { true }

    public init(context: ProverContext) throws {
        let credential = try BoundKeypairOnboarding.credential(for: context)
        guard let storage = context.dataDirectory else {
            throw JoinError.badParameter("bound_keypair joining needs a storage directory for the keypair and join state")
        }
        directory = storage
        registrationSecret = credential.registrationSecret
        if case .staticKey(let key) = credential { staticKey = key } else { staticKey = nil }
        clock = context.clock
        logger = context.logger
        state = StateBox()
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        if staticKey != nil {
            // Nothing to load or send: the token's initial_public_key is this key, in the
            // insecure mode that asks for no join state.
            return try BoundKeypairMessages.encode(BoundKeypairMessages.Init(previousJoinState: nil))
        }
        let loaded = try BoundKeypairClientState.load(directory: stateDirectory(for: request.role), logger: logger)
        state.set(loaded)
        if loaded.activeKey == nil && registrationSecret == nil {
            throw JoinError.notFound(
                "bound_keypair: no keypair in \(loaded.directory.path) and no registration secret: \(Self.onboardingHint(for: request.role))")
        }
        var message = BoundKeypairMessages.Init(previousJoinState: loaded.joinState)
        if loaded.joinState == nil { message.initialJoinSecret = registrationSecret }
        return try BoundKeypairMessages.encode(message)
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        switch try BoundKeypairMessages.decode(BoundKeypairMessages.ServerChallenge.self, from: challenge, what: "server challenge") {
        case .challenge(let publicKeyLine, let document):
            let publicKey = try JWSPublicKey(SSHPublicKey(authorizedKey: publicKeyLine))
            let key = try privateKey(for: publicKey)
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
            if staticKey != nil { throw StaticBoundKey.rotationRefused }
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
        if let staticKey {
            guard try SSHPublicKey(authorizedKey: result.publicKey) == staticKey.key.publicKey.ssh else {
                throw JoinError.badParameter("bound_keypair: the Auth server bound another key than the static key from \(staticKey.origin)")
            }
            return
        }
        var updated = try current()
        try updated.activate(SSHPublicKey(authorizedKey: result.publicKey), joinState: result.joinState, at: clock.now)
        state.set(updated)
    }

    /// Where the state files live: the bot's storage itself, or `bound_keypair/` in an agent's
    /// `data_dir` (beside its identity, not mixed with it).
    public func stateDirectory(for role: SystemRole) -> URL {
        role == .bot ? directory : directory.appendingPathComponent(Self.agentDirectoryName)
    }

    /// What to configure when there is nothing to onboard with, in the words of the client's file.
    static func onboardingHint(for role: SystemRole) -> String {
        role == .bot
            ? "run `tbot keypair create` and register its public key as the token's initial_public_key, "
                + "or set onboarding.bound_keypair.registration_secret"
            : "set teleport.join_params.bound_keypair.registration_secret_value (or registration_secret_path) to the token's "
                + "registration secret, or static_key_path to a static key registered as its initial_public_key"
    }

    /// The private key for `publicKey`: the static key, or one in storage.
    private func privateKey(for publicKey: JWSPublicKey) throws -> JWSPrivateKey {
        if let staticKey {
            guard staticKey.key.publicKey == publicKey else {
                throw JoinError.notFound(
                    "bound_keypair: the token is bound to key \(publicKey.ssh.fingerprint), but the static key from \(staticKey.origin) "
                        + "is \(staticKey.key.publicKey.ssh.fingerprint); set the token's initial_public_key to the static key's public half")
            }
            return staticKey.key
        }
        let stored = try current()
        guard let key = stored.privateKey(for: publicKey) else { throw missingKey(publicKey.ssh, in: stored) }
        return key
    }

    /// The Auth server wants a key this bot does not hold: the token is bound to another copy
    /// of the bot, or this storage was replaced or rolled back further than the key history.
    private func missingKey(_ wanted: SSHPublicKey, in state: BoundKeypairClientState) -> JoinError {
        let situation = state.activeKey == nil
            ? "this client has no keypair in \(state.directory.path), so the token's registration secret was already used by an earlier join"
            : "it is neither this client's key nor in its key history in \(state.directory.path)"
        return JoinError.notFound(
            "bound_keypair: the token is bound to key \(wanted.fingerprint), but \(situation); "
                + "restore the client's storage, or recreate the token to onboard it again")
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
