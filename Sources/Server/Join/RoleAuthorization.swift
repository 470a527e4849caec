import JoinCore

/// The role check of spec §4.6 (`TokenAllowsRole`) and the system roles an issued certificate
/// carries.
///
/// No join ever leads to a role of ``JoinCore/SystemRole/joinRefusalReason`` (Admin, Auth and
/// the other roles only the Auth server holds or that are no identity): a request for one is
/// refused before any token is looked up, and a token that carries one — stored before tokens
/// refused such roles at creation — is refused whole, whatever role the join asks for.
///
/// ## The Instance rule: every service the process runs must be in the token
///
/// Teleport's join check (`ProvisionTokenAllowsRole`, lib/join) admits an Instance join when
/// the token holds *any* local-service role ("cannot requisition instance certs (token
/// contains no local service roles)"), and embeds the token's local-service roles in the
/// Instance certificate. The service roles are enforced one step later: each service of
/// `teleport start` gets its own certificate from the Instance identity only for a role that
/// identity holds, and otherwise joins again with the token for that one role
/// (lib/service/connect.go, `firstTimeConnectIdentityRemote`), which the same check refuses
/// with "can not join the cluster, the token does not allow role X". So in Teleport a process
/// runs only the services its token lists, and a proxy-only token cannot start a Node.
///
/// A Joinery process has one identity for all its services, so both steps are one check here:
/// the joining process lists the roles it will run (`HostParams.system_roles`), each must be
/// in the token (Teleport's message for the first that is not), and the Instance certificate
/// carries exactly those roles — never a token role the process did not ask for. A client that
/// predates the list sends none and gets Teleport's Instance rule unchanged.
enum RoleAuthorization {
    /// Refuses a requested role, or a listed service, that no join may yield.
    static func checkRequestable(_ roles: [SystemRole]) throws {
        for role in roles {
            if let reason = role.joinRefusalReason {
                throw JoinError.accessDenied("no join can be issued a certificate for role \(role): \(reason)")
            }
        }
    }

    /// Checks `role`, and for an Instance the `services` it will run, against the token.
    static func check(token: ProvisionToken, requested role: SystemRole, services: [SystemRole] = []) throws {
        try checkRequestable([role] + services)
        for carried in token.spec.roles {
            if let reason = carried.tokenRefusalReason {
                throw JoinError.accessDenied(
                    "this token carries role \(carried), which no token may grant (\(reason)); delete it and create one without that role")
            }
        }
        guard role == .instance else {
            try checkListed(role, in: token)
            return
        }
        guard token.spec.roles.contains(where: \.isLocalService) else {
            throw JoinError.accessDenied("cannot requisition instance certs (token contains no local service roles)")
        }
        for service in services { try checkListed(service, in: token) }
    }

    private static func checkListed(_ role: SystemRole, in token: ProvisionToken) throws {
        guard token.spec.roles.contains(role) else {
            throw JoinError.badParameter("can not join the cluster, the token does not allow role \(role)")
        }
    }

    /// The roles embedded in a host certificate: for an Instance join, the services it listed
    /// (all checked against the token), or the token's joinable local-service roles when it
    /// listed none; else just the requested role. A role no join may yield is never among
    /// them, even when the token carries it.
    static func systemRoles(token: ProvisionToken, requested role: SystemRole, services: [SystemRole] = []) -> [SystemRole] {
        let roles = switch role {
        case .instance where !services.isEmpty: services
        case .instance: token.spec.roles.filter(\.isLocalService)
        default: [role]
        }
        return roles.filter { $0.joinRefusalReason == nil }
    }
}
