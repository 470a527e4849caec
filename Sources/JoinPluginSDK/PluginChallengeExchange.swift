import Foundation
import GRPCCore
import JoinCore
import JoineryProto
import Synchronization

/// The ``ChallengeExchange`` a method sees inside a plugin: each challenge goes to Joinery as
/// an `AttestResponse.challenge`, and the next `AttestRequest.solution` is the answer.
final class PluginChallengeExchange: ChallengeExchange {
    private let writer: RPCWriter<Joinery_V1_AttestResponse>
    private let solutions: SolutionInbox

    init(writer: RPCWriter<Joinery_V1_AttestResponse>, solutions: SolutionInbox) {
        self.writer = writer
        self.solutions = solutions
    }

    func challenge(_ payload: Data) async throws -> Data {
        try await writer.write(.with { $0.challenge = payload })
        guard let solution = try await solutions.next() else {
            throw JoinError.badParameter("the client gave up before answering the challenge")
        }
        return solution
    }
}

/// The solutions Joinery forwards, read from the request stream one at a time.
actor SolutionInbox {
    private var iterator: RPCAsyncSequence<Joinery_V1_AttestRequest, any Error>.AsyncIterator

    init(_ iterator: RPCAsyncSequence<Joinery_V1_AttestRequest, any Error>.AsyncIterator) {
        self.iterator = iterator
    }

    /// The next solution; nil when the stream ended.
    func next() async throws -> Data? {
        var current = iterator
        defer { iterator = current }
        guard let message = try await current.next(isolation: self) else { return nil }
        guard case .solution(let solution)? = message.payload else {
            throw JoinError.badParameter("Joinery sent something other than a solution during a join")
        }
        return solution
    }
}
