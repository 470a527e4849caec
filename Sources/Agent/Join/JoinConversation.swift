import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// The client side of one join stream: sends `ClientInit`, checks the method `ServerInit`
/// names (see ``ServerMethodChoice``: a configured method is never switched), answers each
/// challenge with the prover, and returns the result.
struct JoinConversation: Sendable {
    let initial: Joinery_V1_ClientInit
    /// The prover of `join_params.method`; `nil` when none is configured.
    let configuredProver: (any JoinProver)?
    let registry: JoinMethodRegistry
    let proverContext: ProverContext
    let proof: ProofRequest

    struct Outcome: Sendable {
        var serverInit: Joinery_V1_ServerInit
        var result: Joinery_V1_JoinResult
    }

    func run<Transport: ClientTransport>(_ service: Joinery_V1_JoinService.Client<Transport>, timeout: Duration) async throws -> Outcome {
        let (outbound, continuation) = AsyncStream<Joinery_V1_JoinRequest>.makeStream()
        continuation.yield(.with { $0.clientInit = initial })
        let request = StreamingClientRequest<Joinery_V1_JoinRequest> { writer in
            for await message in outbound { try await writer.write(message) }
        }
        var options = CallOptions.defaults
        options.timeout = timeout
        defer { continuation.finish() }
        return try await service.join(request: request, options: options) { response in
            var serverInit: Joinery_V1_ServerInit?
            var chosen: (any JoinProver)?
            let choice = ServerMethodChoice(registry: registry, proverContext: proverContext)
            for try await message in response.messages {
                switch message.payload {
                case .serverInit(let announced)?:
                    guard serverInit == nil else { throw JoinError.badParameter("the Auth server sent ServerInit twice") }
                    serverInit = announced
                    chosen = try await choice.prover(configured: configuredProver, announced: announced.joinMethod, proof: proof)
                case .challenge(let challenge)?:
                    guard let prover = chosen else { throw JoinError.badParameter("the Auth server sent a challenge before ServerInit") }
                    let answer = try await prover.answer(challenge.payload, for: proof)
                    continuation.yield(.with { $0.solution = .with { $0.payload = answer } })
                case .result(let result)?:
                    guard let serverInit, let prover = chosen else {
                        throw JoinError.badParameter("the Auth server sent a result before ServerInit")
                    }
                    continuation.finish()
                    try await prover.finish(methodResult: result.methodResult, for: proof)
                    return Outcome(serverInit: serverInit, result: result)
                case nil:
                    throw JoinError.badParameter("the Auth server sent an empty join message")
                }
            }
            throw JoinError.unavailable("the Auth server closed the join stream without a result")
        }
    }
}
