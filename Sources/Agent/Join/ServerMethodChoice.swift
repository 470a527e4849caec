import Foundation
import JoinCore

/// Decides which prover answers once `ServerInit` names the join method, before anything else
/// is sent.
///
/// A client configured with a method never follows the Auth server to another one: a server
/// (or whatever answers in its place) that names another method is asking this process for a
/// different proof than the operator chose — an AWS-signed request, a signature by a bound
/// key — which it could spend elsewhere. The only equivalence kept is the one a prover itself
/// declares with ``JoinProver/accepts(serverMethod:)`` (`token` follows `static`: the proof of
/// both is the secret already sent as the token name). A client configured with no method
/// takes the server's choice, as long as that method needs nothing in `ClientInit`, which was
/// sent before the choice was known.
struct ServerMethodChoice {
    let registry: JoinMethodRegistry
    let proverContext: ProverContext

    /// The prover that answers for `announced`: `configured` when it accepts it; for a client
    /// with no configured method, the registry's prover of `announced`. Throws otherwise.
    func prover(configured: (any JoinProver)?, announced: String, proof: ProofRequest) async throws -> any JoinProver {
        let shown = UntrustedString.sanitize(announced)
        if let configured {
            guard configured.accepts(serverMethod: announced) else {
                throw JoinError.badParameter(
                    "the Auth server answered with join method \"\(shown)\", but this client is configured for join method "
                        + "\"\(configured.name)\"; refusing to follow it to another method. Make join_params.method (--join-method, "
                        + "tbot's onboarding join_method) and the token's join_method agree; `tctl tokens ls` shows the token's method")
            }
            return configured
        }
        guard !announced.isEmpty else {
            throw JoinError.badParameter("the Auth server did not name a join method, and none is configured; set join_params.method")
        }
        let chosen: any JoinProver
        do {
            chosen = try registry.makeProver(named: announced, context: proverContext)
        } catch let error as JoinError {
            throw JoinError.badParameter("the Auth server chose join method \"\(shown)\", which this client cannot use: \(error.message)")
        }
        // Its first proof belongs in ClientInit, which has gone: joining needs the method named.
        guard try await chosen.initialPayload(for: proof).isEmpty else {
            throw JoinError.badParameter(
                "the token uses join method \"\(shown)\", whose proof is sent in the first message; set join_params.method: \(shown)")
        }
        return chosen
    }
}
