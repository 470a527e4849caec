import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Transport

/// Raw join streams over real gRPC and TLS, for tests where the client misbehaves in ways the
/// join client never would: stays silent, sends too much, opens too many streams.
enum JoinStreamProbe {
    typealias Service = Joinery_V1_JoinService.Client<HTTP2ClientTransport.Posix>

    /// Sends `request`, closes the client's side and returns the status the server ended the
    /// stream with (`nil` for OK).
    static func refusal(_ service: Service, _ request: Joinery_V1_JoinRequest) async throws -> RPCError? {
        do {
            try await service.join(request: StreamingClientRequest { writer in try await writer.write(request) }) { response in
                for try await _ in response.messages {}
            }
            return nil
        } catch let error as RPCError {
            return error
        }
    }

    /// ``refusal(_:_:)`` on a connection of its own.
    static func refusal(_ address: AuthAddress, _ request: Joinery_V1_JoinRequest) async throws -> RPCError {
        let error = try await withGRPCClient(transport: try AuthTransports.unverified(address)) { client in
            try await refusal(Service(wrapping: client), request)
        }
        guard let error else { throw JoinError.internalError("the join was expected to be refused but succeeded") }
        return error
    }
}

/// A join stream over real gRPC that a test holds open: it sends one `ClientInit`, reports the
/// server's first challenge, then stays silent until ``release()``, like a client that never
/// answers. ``run(_:sending:)`` drives it; the other calls observe it from the test.
final class HeldJoinStream: Sendable {
    private let challenged = AsyncThrowingStream<Void, any Error>.makeStream()
    private let released = AsyncStream<Void>.makeStream()
    private let ended = AsyncStream<RPCError?>.makeStream()

    struct EndedBeforeChallenge: Error {
        let status: RPCError?
    }

    /// Runs the stream to its end; returns once the server ended it.
    func run(_ service: JoinStreamProbe.Service, sending clientInit: Joinery_V1_JoinRequest) async {
        var status: RPCError?
        do {
            try await service.join(request: StreamingClientRequest { writer in
                try await writer.write(clientInit)
                for await _ in self.released.stream {}
            }) { response in
                for try await message in response.messages {
                    if case .challenge? = message.payload { self.challenged.continuation.yield() }
                }
            }
        } catch let error as RPCError {
            status = error
        } catch {
            status = RPCError(code: .unknown, message: "\(error)")
        }
        challenged.continuation.finish(throwing: EndedBeforeChallenge(status: status))
        released.continuation.finish()
        ended.continuation.yield(status)
        ended.continuation.finish()
    }

    /// Returns once the server sent its challenge (the stream is admitted and waiting on the
    /// client); throws ``EndedBeforeChallenge`` when the server ended the stream first.
    func waitUntilChallenged() async throws {
        var iterator = challenged.stream.makeAsyncIterator()
        guard try await iterator.next() != nil else { throw EndedBeforeChallenge(status: nil) }
    }

    /// Closes the client's side of the stream, as a client that gives up does.
    func release() {
        released.continuation.finish()
    }

    /// The status the server ended the stream with (`nil` for OK), once it has.
    func status() async -> RPCError? {
        for await status in ended.stream { return status }
        return nil
    }
}
