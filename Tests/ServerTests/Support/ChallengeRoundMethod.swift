import Foundation
import JoinCore
import StaticJoin
import TestSupport
import TokenJoin

/// A join method with one challenge round and nothing else to it, for tests of what the Auth
/// server does while a join waits on its client (deadlines, streams held open): it sends a
/// challenge and admits whatever solution comes back. Never registered outside tests.
struct ChallengeRoundMethod: JoinMethod {
    static let methodName = "challenge-round"
    static let challenge = Data("answer me".utf8)

    let name = ChallengeRoundMethod.methodName

    func validate(_ token: ProvisionToken) throws -> ProvisionToken { token }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        _ = try await exchange.challenge(ChallengeRoundMethod.challenge)
        return Attestation()
    }
}

extension JoinMethodPlugin {
    static let challengeRound = JoinMethodPlugin(
        name: ChallengeRoundMethod.methodName,
        makeMethod: { _ in ChallengeRoundMethod() },
        makeProver: { _ in TokenProver() })
}

extension TestCluster {
    /// The token methods plus ``ChallengeRoundMethod``.
    static let challengeRegistry = JoinMethodRegistry(plugins: [.staticTokens, .storedTokens, .challengeRound])

    /// Stores a token of ``ChallengeRoundMethod`` called `name`.
    func addChallengeRoundToken(_ name: String, roles: [SystemRole] = [.node]) async throws {
        _ = try await server.tokens.create(
            ProvisionToken(name: name, roles: roles, joinMethod: ChallengeRoundMethod.methodName,
                           expires: clock.now.addingTimeInterval(1800)),
            upsert: false)
    }
}
