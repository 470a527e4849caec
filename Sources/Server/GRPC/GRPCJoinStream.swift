import GRPCCore
import JoinCore
import JoineryProto

/// Adapts a gRPC bidirectional stream to ``JoinStream``.
///
/// `@unchecked Sendable`: the pipeline uses one stream from one task, strictly in order
/// (receive, send, receive...), which is what the iterator needs; nothing shares it.
final class GRPCJoinStream: JoinStream, @unchecked Sendable {
    private var requests: RPCAsyncSequence<Joinery_V1_JoinRequest, any Error>.AsyncIterator
    private let responses: RPCWriter<Joinery_V1_JoinResponse>

    init(requests: RPCAsyncSequence<Joinery_V1_JoinRequest, any Error>, responses: RPCWriter<Joinery_V1_JoinResponse>) {
        self.requests = requests.makeAsyncIterator()
        self.responses = responses
    }

    /// The reason a message the transport could not deliver is refused with.
    static let unreadableMessage = "join message exceeds the Auth server's size limit or is not a valid join message"

    func receive() async throws -> Joinery_V1_JoinRequest? {
        do {
            return try await requests.next()
        } catch let error as RPCError where error.code == .resourceExhausted || error.code == .internalError {
            // grpc-swift's transport reports a message over `maxRequestPayloadSize` as
            // "Failed to decode message" (internalError) and resets the stream, so here an
            // oversized message and a corrupt one look alike.
            throw JoinError.badParameter(GRPCJoinStream.unreadableMessage)
        }
    }

    func send(_ response: Joinery_V1_JoinResponse) async throws {
        try await responses.write(response)
    }
}
