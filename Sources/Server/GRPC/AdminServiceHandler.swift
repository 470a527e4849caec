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
    let callerLocks: CallerLocks
    let locks: LockStore
    let clusterName: String
    let version: String
    let advertiseAddress: String

    let resources: [String: any AdminResourceCollection]

    init(tokens: TokenStore, nodes: NodeRegistry, bots: BotStore, instances: BotInstanceStore, locks: LockStore,
         roles: RoleStore, users: UserStore, enrollment: UserEnrollment,
         backend: any Backend, authorities: ClusterAuthorities, authentication: CallerAuthentication,
         clusterName: String, version: String, advertiseAddress: String) {
        self.tokens = tokens
        self.nodes = nodes
        self.backend = backend
        self.authorities = authorities
        self.authentication = authentication
        self.callerLocks = CallerLocks(locks: locks)
        self.locks = locks
        self.clusterName = clusterName
        self.version = version
        self.advertiseAddress = advertiseAddress
        let collections: [any AdminResourceCollection] = [
            TokenResources(tokens: tokens), BotResources(bots: bots), LockResources(locks: locks),
            BotInstanceResources(instances: instances), RoleResources(roles: roles),
            UserResources(users: users, enrollment: enrollment),
        ]
        resources = Dictionary(uniqueKeysWithValues: collections.map { ($0.kind, $0) })
    }

    private func collection(_ kind: String) throws -> any AdminResourceCollection {
        guard let collection = resources[kind] else {
            throw JoinError.badParameter(
                "resource kind \"\(UntrustedString.sanitize(kind))\" is not supported; supported kinds: \(resources.keys.sorted().joined(separator: ", "))")
        }
        return collection
    }

    func createResource(request: Joinery_V1_CreateResourceRequest, context: ServerContext) async throws -> Joinery_V1_ResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            let kind = try ResourceKind.peek(request.resourceJson)
            return response(try await collection(kind).create(json: request.resourceJson, upsert: request.upsert))
        }
    }

    func getResource(request: Joinery_V1_ResourceRef, context: ServerContext) async throws -> Joinery_V1_ResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            return response(try await collection(request.kind).get(name: request.name))
        }
    }

    func listResources(request: Joinery_V1_ListResourcesRequest, context: ServerContext) async throws -> Joinery_V1_ListResourcesResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            let all = try await collection(request.kind).list()
            return .with { $0.resources = all.map(response) }
        }
    }

    func deleteResource(request: Joinery_V1_ResourceRef, context: ServerContext) async throws -> Joinery_V1_DeleteResourceResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            try await collection(request.kind).delete(name: request.name)
            return Joinery_V1_DeleteResourceResponse()
        }
    }

    func getStatus(request: Joinery_V1_StatusRequest, context: ServerContext) async throws -> Joinery_V1_StatusResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
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
            _ = try await authorizedAdmin(context)
            let records = try await nodes.listUnlocked(locks: locks)
            let joins = try await nodes.joinRecords()
            return .with { $0.nodes = records.map { Joinery_V1_Node($0, join: joins[$0.hostID]) } }
        }
    }

    func listAuditEvents(request: Joinery_V1_ListAuditEventsRequest, context: ServerContext) async throws -> Joinery_V1_ListAuditEventsResponse {
        try await RPCErrorMapping.mapping {
            _ = try await authorizedAdmin(context)
            let limit = request.limit > 0 ? min(Int(request.limit), 10_000) : 1_000
            let events = try await backend.auditEvents(limit: limit, matching: try AuditQuery(request))
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            return try .with { $0.eventsJson = try events.map { try encoder.encode($0) } }
        }
    }

    private func response(_ resource: AdminResource) -> Joinery_V1_ResourceResponse {
        .with {
            $0.resourceJson = resource.json
            $0.nameIsSecret = resource.nameIsSecret
            $0.readOnly = resource.readOnly
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

}

extension AuditQuery {
    /// The filters of a `ListAuditEvents` request; an outcome this server does not know is
    /// refused rather than ignored, so a newer tctl never gets more than it asked for.
    init(_ request: Joinery_V1_ListAuditEventsRequest) throws {
        self.init()
        if !request.method.isEmpty { method = request.method }
        switch request.outcome {
        case .unspecified: success = nil
        case .success: success = true
        case .failure: success = false
        case .UNRECOGNIZED(let value): throw JoinError.badParameter("unknown audit outcome \(value); expected success or failure")
        }
        if request.hasSinceUnix { since = Date(timeIntervalSince1970: TimeInterval(request.sinceUnix)) }
        if request.hasUntilUnix { until = Date(timeIntervalSince1970: TimeInterval(request.untilUnix)) }
    }
}
