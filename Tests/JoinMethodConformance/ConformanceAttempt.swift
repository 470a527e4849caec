import Crypto
import Foundation
import JoinCore
import JoineryProto
import Server
import Synchronization
import TestSupport

/// One join through the cluster's real pipeline over an in-memory stream, played by the
/// subject's real prover the way the join client plays it (initial payload, an answer per
/// challenge, `finish` with the method result), with optional tampering by the kit.
struct ConformanceAttempt: Sendable {
    /// How the client's solutions are changed on their way to the server.
    enum Solutions: Sendable {
        /// As the prover answers.
        case honest
        /// The prover answers, then `edit(round, answer)` decides what is sent.
        case edited(@Sendable (_ round: Int, _ answer: Data) -> Data)
        /// Round `n` is answered with `captured[n]` (the last one past the end); the prover is
        /// never asked.
        case replayed([Data])
    }

    var join: ConformanceJoin
    /// The role asked for; the join's own by default.
    var role: SystemRole
    /// The token named in `ClientInit`; the join's own by default.
    var tokenName: String
    var editInitialPayload: (@Sendable (Data) -> Data)?
    var solutions: Solutions = .honest
    /// Awaited when the first challenge arrives, before it is answered (a race holds every
    /// client there until all have one, so their attempts overlap mid-challenge).
    var atFirstChallenge: (@Sendable () async -> Void)?

    init(_ join: ConformanceJoin) {
        self.join = join
        role = join.role
        tokenName = join.tokenName
    }

    static let nodeName = "conformance-node"
}

/// What one attempt showed: the server's result or refusal, and every byte the client sent.
struct ConformanceAttemptOutcome: Sendable {
    var result: Joinery_V1_JoinResult?
    /// What the pipeline threw (nil when it returned normally).
    var error: (any Error)?
    /// A failure of the prover itself (not the server's refusal): the subject's setup is broken.
    var proverError: (any Error)?
    var initialPayload = Data()
    var challenges: [Data] = []
    var solutions: [Data] = []
    var role: SystemRole
    var keys: ConformanceClientKeys

    var joinError: JoinError? { error as? JoinError }

    /// How the attempt ended, for a report line.
    var summary: String {
        if let result { return "joined (host ID \(result.hostID.isEmpty ? "none" : result.hostID))" }
        if let proverError { return "the prover failed: \(proverError)" }
        if let error = joinError { return "refused \(error.kind.rawValue): \(error.message)" }
        if let error { return "failed with untyped \(type(of: error)): \(error)" }
        return "ended without a result or an error"
    }
}

/// The keys a kit client asks certificates for (as the join client makes them: Ed25519 SSH and
/// P-256 TLS for a host, one P-256 key for both for a bot).
struct ConformanceClientKeys: Sendable {
    let tlsKey = P256.Signing.PrivateKey()
    let sshKey = Curve25519.Signing.PrivateKey()

    func sshPublicKey(for role: SystemRole) -> SSHPublicKey {
        role == .bot ? SSHPublicKey(tlsKey.publicKey) : SSHPublicKey(sshKey.publicKey)
    }

    func publicKeys(for role: SystemRole) -> Joinery_V1_PublicKeys {
        .with {
            $0.publicTlsKey = tlsKey.publicKey.derRepresentation
            $0.publicSshKey = Data(sshPublicKey(for: role).wireBytes)
        }
    }

    /// The binding the pipeline computes for these keys, which the prover is told (as the join
    /// client tells it).
    func binding(for role: SystemRole) -> KeyBinding {
        let keys = publicKeys(for: role)
        return KeyBinding(sshPublicKey: keys.publicSshKey, tlsPublicKey: keys.publicTlsKey)
    }

    func clientInit(token: String, role: SystemRole, method: String, payload: Data) -> Joinery_V1_JoinRequest {
        let keys = publicKeys(for: role)
        return .with {
            $0.clientInit = .with {
                $0.tokenName = token
                $0.joinMethod = method
                $0.systemRole = role.rawValue
                $0.methodPayload = payload
                $0.clientVersion = "conformance"
                if role == .bot {
                    $0.botParams = .with { $0.publicKeys = keys }
                } else {
                    $0.hostParams = .with {
                        $0.publicKeys = keys
                        $0.hostName = ConformanceAttempt.nodeName
                    }
                }
            }
        }
    }
}

extension ConformanceLab {
    /// Runs `attempt` through the pipeline from a remote address of its own.
    func run(_ attempt: ConformanceAttempt) async -> ConformanceAttemptOutcome {
        let keys = ConformanceClientKeys()
        var outcome = ConformanceAttemptOutcome(role: attempt.role, keys: keys)
        let proof = ProofRequest(tokenName: attempt.tokenName, role: attempt.role, nodeName: ConformanceAttempt.nodeName,
                                 keyBinding: keys.binding(for: attempt.role))
        let prover: any JoinProver
        do {
            prover = try cluster.registry.makeProver(named: methodName, context: proverContext(for: attempt.join))
            outcome.initialPayload = try await prover.initialPayload(for: proof)
        } catch {
            outcome.proverError = error
            return outcome
        }
        if let edit = attempt.editInitialPayload { outcome.initialPayload = edit(outcome.initialPayload) }

        let exchanged = Mutex<(challenges: [Data], solutions: [Data], proverError: (any Error)?)>(([], [], nil))
        let solutions = attempt.solutions, atFirstChallenge = attempt.atFirstChallenge
        let stream = InMemoryJoinStream(
            [keys.clientInit(token: attempt.tokenName, role: attempt.role, method: methodName, payload: outcome.initialPayload)]
        ) { challenge in
            let round = exchanged.withLock { $0.challenges.append(challenge); return $0.challenges.count - 1 }
            if round == 0, let atFirstChallenge { await atFirstChallenge() }
            let sent: Data
            switch solutions {
            case .replayed(let captured):
                sent = captured.isEmpty ? Data() : captured[min(round, captured.count - 1)]
            case .honest, .edited:
                do {
                    let answer = try await prover.answer(challenge, for: proof)
                    if case .edited(let edit) = solutions { sent = edit(round, answer) } else { sent = answer }
                } catch {
                    exchanged.withLock { $0.proverError = error }
                    throw error
                }
            }
            exchanged.withLock { $0.solutions.append(sent) }
            return sent
        }
        do {
            try await cluster.server.joinPipeline.run(stream, remoteAddress: nextRemoteAddress())
        } catch {
            outcome.error = error
        }
        outcome.result = stream.result
        (outcome.challenges, outcome.solutions, outcome.proverError) = exchanged.withLock { ($0.challenges, $0.solutions, $0.proverError) }
        if let result = outcome.result, outcome.error == nil {
            do {
                try await prover.finish(methodResult: result.methodResult, for: proof)
            } catch {
                outcome.proverError = error
            }
        }
        return outcome
    }

    /// The context the subject's prover is made with, on the cluster's clock.
    func proverContext(for join: ConformanceJoin) -> ProverContext {
        ProverContext(clock: clock, joinParams: join.joinParams, dataDirectory: join.dataDirectory)
    }
}
