import AccessControl
import Foundation
import GRPCCore
import JoinCore
import JoineryProto
import SwiftASN1
import X509

/// Serves `joinery.v1.AccessService`: users' invites and sign-ins (relayed by the Proxy
/// Service), the node list a user may see, what nodes need to decide SSH logins, and the
/// session events nodes report.
struct AccessServiceHandler: Joinery_V1_AccessService.SimpleServiceProtocol {
    let callers: AccessCallers
    let enrollment: UserEnrollment
    let signIn: UserSignIn
    let users: UserStore
    let roles: RoleStore
    let nodes: NodeRegistry
    let locks: LockStore
    let audit: AuditLog
    let clock: any JoinClock

    func createUserInvite(request: Joinery_V1_CreateUserInviteRequest, context: ServerContext) async throws -> Joinery_V1_UserInvite {
        try await RPCErrorMapping.mapping {
            let admin = try await callers.authentication.requireAdmin(context)
            let (token, invite) = try await enrollment.invite(
                user: request.name, roles: request.roles, logins: request.logins, reset: request.reset,
                lifetime: request.ttlSeconds > 0 ? TimeInterval(request.ttlSeconds) : nil, admin: admin.hostID)
            return .with {
                $0.token = token
                $0.expiresUnix = Int64(invite.expires.timeIntervalSince1970)
                $0.user = invite.user
            }
        }
    }

    func getInvite(request: Joinery_V1_GetInviteRequest, context: ServerContext) async throws -> Joinery_V1_InviteDetails {
        try await RPCErrorMapping.mapping {
            _ = try await callers.requireProxy(context)
            let invite = try await enrollment.details(token: request.token)
            let device = try invite.otpSecret.map { try TOTPDevice(base32Secret: $0) }
            return .with {
                $0.user = invite.user
                $0.otpRequired = device != nil
                $0.otpSecret = device?.base32Secret ?? ""
                $0.otpUri = device?.provisioningURI(account: invite.user, issuer: callers.authentication.authorities.clusterName) ?? ""
                $0.expiresUnix = Int64(invite.expires.timeIntervalSince1970)
                $0.reset = invite.reset
            }
        }
    }

    func completeInvite(request: Joinery_V1_CompleteInviteRequest, context: ServerContext) async throws -> Joinery_V1_CompleteInviteResponse {
        try await RPCErrorMapping.mapping {
            _ = try await callers.requireProxy(context)
            let user = try await enrollment.complete(token: request.token, password: request.password, otpCode: request.otpCode,
                                                     clientAddress: request.clientAddr)
            return .with { $0.user = user }
        }
    }

    func authenticateUser(request: Joinery_V1_AuthenticateUserRequest, context: ServerContext) async throws -> Joinery_V1_AuthenticateUserResponse {
        try await RPCErrorMapping.mapping {
            _ = try await callers.requireProxy(context)
            let keys = try JoinerPublicKeys(sshWire: request.publicKeys.publicSshKey, tlsDER: request.publicKeys.publicTlsKey)
            let outcome = try await signIn.signIn(
                user: request.user, password: request.password, otpCode: request.otpCode, keys: keys,
                ttl: request.ttlSeconds > 0 ? TimeInterval(request.ttlSeconds) : nil, clientAddress: request.clientAddr)
            return .with {
                $0.certificates = Joinery_V1_Certificates(outcome.certificates)
                $0.roles = outcome.roles
                $0.logins = outcome.logins
                $0.expiresUnix = Int64(outcome.expires.timeIntervalSince1970)
                $0.clusterName = callers.authentication.authorities.clusterName
            }
        }
    }

    func listAccessibleNodes(request: Joinery_V1_ListNodesRequest, context: ServerContext) async throws -> Joinery_V1_ListNodesResponse {
        try await RPCErrorMapping.mapping {
            let caller = try await callers.requireUserOrProxy(context)
            let records = try await nodes.listUnlocked(locks: locks)
            let joins = try await nodes.joinRecords()
            let listed = records.map { Joinery_V1_Node($0, join: joins[$0.hostID]) }
            switch caller {
            case .proxy:
                return .with { $0.nodes = listed }
            case .user(let user):
                let checker = try await checker(for: user.name, certificateRoles: user.roles)
                return .with { $0.nodes = listed.filter { checker?.canSee(nodeLabels: $0.labels) ?? false } }
            }
        }
    }

    func getUserAccess(request: Joinery_V1_GetUserAccessRequest, context: ServerContext) async throws -> Joinery_V1_UserAccess {
        try await RPCErrorMapping.mapping {
            let node = try await requireNode(context)
            guard let account = try await users.get(request.user) else {
                return .with { $0.exists = false }
            }
            let userRoles = try await roles.roles(named: account.roles)
            let lock = try await locks.firstLock(targeting: [.user(account.name)])
            let record = try await nodes.node(hostID: node.hostID)
            let join = try await nodes.joinRecord(hostID: node.hostID)
            return try .with {
                $0.exists = true
                $0.rolesJson = try userRoles.map { try $0.jsonData() }
                $0.logins = account.logins
                $0.lockMessage = lock.map(CallerLocks.refusal) ?? ""
                $0.nodeLabels = record?.labels(bound: join?.boundLabels) ?? join?.boundLabels ?? [:]
            }
        }
    }

    func emitSessionEvent(request: Joinery_V1_SessionEventRequest, context: ServerContext) async throws -> Joinery_V1_SessionEventResponse {
        try await RPCErrorMapping.mapping {
            let node = try await requireNode(context)
            guard request.eventJson.count <= 16 * 1024 else {
                throw JoinError.badParameter("a session event must be at most 16 KiB")
            }
            let reported = try NodeSessionEvent.decode(request.eventJson)
            await audit.record(reported.auditEvent(hostID: node.hostID), at: clock.now)
            return Joinery_V1_SessionEventResponse()
        }
    }

    private func requireNode(_ context: ServerContext) async throws -> PeerIdentity {
        try await callers.requireNode(context)
    }

    /// The checker for a user's roles as its certificate names them and as the user still has
    /// them (a role taken away since the sign-in grants nothing); nil for a removed user.
    private func checker(for name: String, certificateRoles: [String]) async throws -> AccessChecker? {
        guard let account = try await users.get(name) else { return nil }
        let granted = account.roles.filter(certificateRoles.contains)
        return AccessChecker(roles: try await roles.roles(named: granted), traits: account.traits)
    }
}

extension AccessServiceHandler {
    func getUserCertAuthority(request: Joinery_V1_GetUserCertAuthorityRequest, context: ServerContext) async throws -> Joinery_V1_UserCertAuthority {
        try await RPCErrorMapping.mapping {
            let caller = try callers.authentication.identity(of: context)
            guard caller.role != .bot else { throw JoinError.accessDenied("bots do not need the user CA") }
            try await callers.callerLocks.checked(caller)
            let authority = callers.authentication.authorities.user
            return try .with {
                $0.tlsCertificatesPem = try authority.trustedTLSCertificates.map { try $0.serializeAsPEM().pemString + "\n" }
                $0.sshPublicKeys = try authority.trustedSSHKeys.map(\.authorizedKey)
            }
        }
    }
}
