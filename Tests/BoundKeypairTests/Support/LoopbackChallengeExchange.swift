import BoundKeypairJoin
import Foundation
import JoinCore
import Synchronization

/// Connects the server half to a real ``BoundKeypairProver`` in process: each challenge the
/// method sends is answered by `prover.answer`, as the join client would over the stream.
///
/// `interfere` lets a test play the attacker or the network on one round: it sees the
/// challenge and returns the bytes the prover should see, and `replace` sees the prover's
/// answer and returns what the server gets (a forged signature, a reused key, a late reply).
final class LoopbackChallengeExchange: ChallengeExchange, Sendable {
    typealias ChallengeEdit = @Sendable (_ round: Int, _ challenge: Data) throws -> Data
    typealias AnswerEdit = @Sendable (_ round: Int, _ challenge: Data, _ answer: Data) throws -> Data

    let prover: BoundKeypairProver
    let request: ProofRequest
    private let interfere: ChallengeEdit
    private let replace: AnswerEdit
    private let sent = Mutex<[Data]>([])

    init(prover: BoundKeypairProver, request: ProofRequest,
         interfere: @escaping ChallengeEdit = { _, challenge in challenge },
         replace: @escaping AnswerEdit = { _, _, answer in answer }) {
        self.prover = prover
        self.request = request
        self.interfere = interfere
        self.replace = replace
    }

    func challenge(_ payload: Data) async throws -> Data {
        let round = sent.withLock { $0.append(payload); return $0.count - 1 }
        let seen = try interfere(round, payload)
        let answer = try await prover.answer(seen, for: request)
        return try replace(round, payload, answer)
    }

    /// The challenges the server sent, in order, as decoded JSON objects.
    var challenges: [[String: Any]] {
        sent.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// The `type` of each challenge sent (`challenge` or `rotation`).
    var challengeTypes: [String] { challenges.map { $0["type"] as? String ?? "?" } }
}
