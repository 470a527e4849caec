import Foundation
import JoinCore
import JoineryProto

/// Carries a method's challenge rounds over the join stream: each challenge goes out as a
/// `Challenge` message and the next `Solution` comes back. A client that gives up, closes the
/// stream or sends anything else ends the join with a clear error.
struct StreamChallengeExchange: ChallengeExchange {
    let stream: any JoinStream
    let maximumPayloadBytes: Int

    func challenge(_ payload: Data) async throws -> Data {
        var message = Joinery_V1_JoinResponse()
        message.challenge = .with { $0.payload = payload }
        try await stream.send(message)
        guard let reply = try await stream.receive() else {
            throw JoinError.accessDenied("join attempt timed out or was aborted: the client closed the stream before answering the challenge")
        }
        switch reply.payload {
        case .solution(let solution)?:
            guard solution.payload.count <= maximumPayloadBytes else {
                throw JoinError.badParameter("challenge solution is \(solution.payload.count) bytes; the limit is \(maximumPayloadBytes)")
            }
            return solution.payload
        case .givingUp(let givingUp)?:
            throw JoinError.accessDenied("the client gave up: \(UntrustedString.sanitize(givingUp.reason))")
        default:
            throw JoinError.badParameter("expected a challenge solution from the client")
        }
    }
}
