import Foundation
import JoinCore
import Synchronization
import TokenJoin

/// A server half that answers every client with its own method, whatever the client asked for:
/// what an Auth server that switches methods (or something answering in its place) looks like
/// from the client. It sends one challenge and counts the solutions it gets, so a test can show
/// that a client which refuses the switch sends none. Never registered outside tests.
struct MethodSwitchingMethod: JoinMethod {
    static let methodName = "switching"

    /// Solutions received across every attempt of every instance.
    final class Solutions: Sendable {
        private let count = Mutex(0)
        var received: Int { count.withLock { $0 } }
        func record() { count.withLock { $0 += 1 } }
    }

    let name = MethodSwitchingMethod.methodName
    let solutions: Solutions

    func accepts(requestedMethod: String) -> Bool { true }

    func validate(_ token: ProvisionToken) throws -> ProvisionToken { token }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        _ = try await exchange.challenge(Data("prove something else".utf8))
        solutions.record()
        return Attestation()
    }
}

extension JoinMethodPlugin {
    /// ``MethodSwitchingMethod``, counting into `solutions`.
    static func methodSwitching(_ solutions: MethodSwitchingMethod.Solutions) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: MethodSwitchingMethod.methodName,
            makeMethod: { _ in MethodSwitchingMethod(solutions: solutions) },
            makeProver: { _ in TokenProver() })
    }
}
