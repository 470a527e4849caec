import GRPCCore
import JoinCore
import JoineryProto

extension AdminServiceHandler {
    /// `tctl join-methods ls`: every registered method, where it comes from, and whether this
    /// server enabled it.
    func listJoinMethods(request: Joinery_V1_ListJoinMethodsRequest,
                         context: ServerContext) async throws -> Joinery_V1_ListJoinMethodsResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            return .with {
                $0.methods = tokens.methods.listing.map { entry in
                    .with {
                        $0.name = entry.name
                        $0.enabled = entry.enabled
                        switch entry.origin {
                        case .builtIn:
                            $0.origin = "builtin"
                        case .external(let command, let sha256):
                            $0.origin = "external"
                            $0.command = command
                            $0.sha256 = sha256
                        }
                    }
                }
            }
        }
    }
}
