import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// Serves `joinery.v1.InventoryService`: heartbeats from joined processes, one call each or
/// many over one stream. The host ID comes from the caller's certificate, never from the
/// message, so a node can only speak for itself.
struct InventoryServiceHandler: Joinery_V1_InventoryService.SimpleServiceProtocol {
    let nodes: NodeRegistry
    let authentication: CallerAuthentication
    /// A locked host's heartbeats are refused (and it drops out of `tctl nodes ls`).
    let callerLocks: CallerLocks

    func heartbeat(request: Joinery_V1_HeartbeatRequest, context: ServerContext) async throws -> Joinery_V1_HeartbeatResponse {
        try await RPCErrorMapping.mapping {
            try await accept(request, from: try heartbeatingHost(context))
        }
    }

    /// Authenticates the caller when the stream opens, then answers each heartbeat as
    /// ``heartbeat(request:context:)`` would (locks and expiry checked every time); the first
    /// refusal ends the stream.
    func heartbeatStream(request: RPCAsyncSequence<Joinery_V1_HeartbeatRequest, any Error>,
                         response: RPCWriter<Joinery_V1_HeartbeatResponse>, context: ServerContext) async throws {
        try await RPCErrorMapping.mapping {
            let caller = try heartbeatingHost(context)
            do {
                for try await beat in request {
                    try await response.write(try await accept(beat, from: caller))
                }
            } catch where Task.isCancelled {
                // The server is stopping: the node should reconnect as after a lost connection
                // (UNAVAILABLE), not read the cancellation as a refusal of its heartbeat.
                throw JoinError.unavailable("the Auth server is shutting down")
            }
        }
    }

    /// The caller, if it is a joined host (not an admin identity or a bot).
    private func heartbeatingHost(_ context: ServerContext) throws -> CallerSession {
        let caller = try authentication.session(of: context)
        guard caller.identity.role != .admin, caller.identity.role != .bot else {
            throw JoinError.accessDenied("only joined hosts may heartbeat")
        }
        return caller
    }

    private func accept(_ beat: Joinery_V1_HeartbeatRequest, from caller: CallerSession) async throws -> Joinery_V1_HeartbeatResponse {
        try caller.requireUnexpired(now: authentication.clock.now)
        try await callerLocks.checked(caller.identity)
        _ = try await nodes.heartbeat(
            hostID: caller.identity.hostID, hostname: beat.hostname, address: beat.addr, version: beat.version,
            labels: beat.labels, roles: caller.identity.systemRoles.map(\.rawValue))
        return .with { $0.ttlSeconds = Int64(nodes.ttl) }
    }
}
