import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// Serves `joinery.v1.AdminService` for tctl: resources, status, nodes and the audit log.
/// Every call requires an Admin certificate.
struct AdminServiceHandler: Joinery_V1_AdminService.SimpleServiceProtocol {
    let tokens: TokenStore
    let nodes: NodeRegistry
    let backend: any Backend
    let authorities: ClusterAuthorities
    let authentication: CallerAuthentication
    let clusterName: String
    let version: String
    let advertiseAddress: String

    /// Resource kinds this server stores.
    static let tokenKind = "token"

    func createResource(request: Joinery_V1_CreateResourceRequest, context: ServerContext) async throws -> Joinery_V1_ResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            let kind = try ResourceKind.peek(request.resourceJson)
            guard kind == Self.tokenKind else { throw ResourceKind.unsupported(kind) }
            let token: ProvisionToken
            do {
                token = try JSONDecoder().decode(ProvisionToken.self, from: request.resourceJson)
            } catch {
                throw JoinError.badParameter(DecodingErrorDescription.describe(error))
            }
            let stored = try await tokens.create(token, upsert: request.upsert)
            return try response(TokenStore.Found(token: stored, revision: 0))
        }
    }

    func getResource(request: Joinery_V1_ResourceRef, context: ServerContext) async throws -> Joinery_V1_ResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            guard request.kind == Self.tokenKind else { throw ResourceKind.unsupported(request.kind) }
            return try response(try await tokens.get(name: request.name))
        }
    }

    func listResources(request: Joinery_V1_ListResourcesRequest, context: ServerContext) async throws -> Joinery_V1_ListResourcesResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            guard request.kind == Self.tokenKind else { throw ResourceKind.unsupported(request.kind) }
            let all = try await tokens.list()
            return try .with { $0.resources = try all.map(response) }
        }
    }

    func deleteResource(request: Joinery_V1_ResourceRef, context: ServerContext) async throws -> Joinery_V1_DeleteResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            guard request.kind == Self.tokenKind else { throw ResourceKind.unsupported(request.kind) }
            try await tokens.delete(name: request.name)
            return Joinery_V1_DeleteResourceResponse()
        }
    }

    func getStatus(request: Joinery_V1_StatusRequest, context: ServerContext) async throws -> Joinery_V1_StatusResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            return .with {
                $0.clusterName = clusterName
                $0.serverVersion = version
                $0.advertiseAddr = advertiseAddress
                $0.authorities = authorities.statuses.map { status in
                    .with {
                        $0.type = status.type
                        $0.rotation = status.rotation
                        $0.pins = status.pins
                        $0.sshPublicKeys = status.sshPublicKeys
                        $0.tlsCertificatesPem = status.tlsCertificatesPEM
                    }
                }
            }
        }
    }

    func listNodes(request: Joinery_V1_ListNodesRequest, context: ServerContext) async throws -> Joinery_V1_ListNodesResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            let records = try await nodes.list()
            return .with {
                $0.nodes = records.map { record in
                    .with {
                        $0.hostID = record.hostID
                        $0.hostname = record.hostname
                        $0.addr = record.address
                        $0.version = record.version
                        $0.labels = record.labels
                        $0.roles = record.roles
                        $0.lastSeenUnix = Int64(record.lastSeen.timeIntervalSince1970)
                    }
                }
            }
        }
    }

    func listAuditEvents(request: Joinery_V1_ListAuditEventsRequest, context: ServerContext) async throws -> Joinery_V1_ListAuditEventsResponse {
        try await RPCErrorMapping.mapping {
            _ = try authentication.requireAdmin(context)
            let limit = request.limit > 0 ? min(Int(request.limit), 10_000) : 1_000
            let events = try await backend.auditEvents(limit: limit)
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            return try .with { $0.eventsJson = try events.map { try encoder.encode($0) } }
        }
    }

    private func response(_ found: TokenStore.Found) throws -> Joinery_V1_ResourceResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(found.token)
        return .with {
            $0.resourceJson = json
            $0.nameIsSecret = tokens.nameIsSecret(found.token)
            $0.readOnly = found.isReadOnly
        }
    }
}

/// Reads just the `kind` of a resource document, to route it.
enum ResourceKind {
    private struct Envelope: Decodable { var kind: String? }

    static func peek(_ json: Data) throws -> String {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: json) else {
            throw JoinError.badParameter("the resource is not a JSON or YAML document with a kind")
        }
        guard let kind = envelope.kind, !kind.isEmpty else {
            throw JoinError.badParameter("missing field \"kind\"")
        }
        return kind
    }

    static func unsupported(_ kind: String) -> JoinError {
        .badParameter("resource kind \"\(UntrustedString.sanitize(kind))\" is not supported; supported kinds: token")
    }
}
