import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// Serves `joinery.v1.InventoryService`: heartbeats from joined processes. The host ID comes
/// from the caller's certificate, never from the message, so a node can only speak for itself.
struct InventoryServiceHandler: Joinery_V1_InventoryService.SimpleServiceProtocol {
    let nodes: NodeRegistry
    let authentication: CallerAuthentication
    /// A locked host's heartbeats are refused (and it drops out of `tctl nodes ls`).
    let callerLocks: CallerLocks

    func heartbeat(request: Joinery_V1_HeartbeatRequest, context: ServerContext) async throws -> Joinery_V1_HeartbeatResponse {
        try await RPCErrorMapping.mapping {
            let caller = try authentication.identity(of: context)
            guard caller.role != .admin, caller.role != .bot else {
                throw JoinError.accessDenied("only joined hosts may heartbeat")
            }
            try await callerLocks.checked(caller)
            _ = try await nodes.heartbeat(
                hostID: caller.hostID, hostname: request.hostname, address: request.addr, version: request.version,
                labels: request.labels, roles: caller.systemRoles.map(\.rawValue))
            return .with { $0.ttlSeconds = Int64(nodes.ttl) }
        }
    }
}
