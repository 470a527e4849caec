import Foundation
import JoineryProto

/// One join conversation as the pipeline sees it: protocol messages in, protocol messages out.
///
/// The gRPC service adapts its bidirectional stream to this; tests drive the pipeline through
/// an in-memory stream. A stream is used by one task at a time, in order.
public protocol JoinStream: Sendable {
    /// The next message from the client, or `nil` when the client closed its side.
    func receive() async throws -> Joinery_V1_JoinRequest?
    func send(_ response: Joinery_V1_JoinResponse) async throws
}
