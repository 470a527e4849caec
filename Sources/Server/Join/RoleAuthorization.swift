import JoinCore

/// The role check of spec §4.6 (`TokenAllowsRole`) and the system roles an issued certificate
/// carries.
///
/// No join ever leads to a role of ``JoinCore/SystemRole/joinRefusalReason`` (Admin, Auth and
/// the other roles only the Auth server holds or that are no identity): a request for one is
/// refused before any token is looked up, and a token that carries one — stored before tokens
/// refused such roles at creation — is refused whole, whatever role the join asks for.
enum RoleAuthorization {
    /// Refuses a requested role that no join may yield.
    static func checkRequestable(_ role: SystemRole) throws {
        if let reason = role.joinRefusalReason {
            throw JoinError.accessDenied("no join can be issued a certificate for role \(role): \(reason)")
        }
    }

    static func check(token: ProvisionToken, requested role: SystemRole) throws {
        try checkRequestable(role)
        for carried in token.spec.roles {
            if let reason = carried.tokenRefusalReason {
                throw JoinError.accessDenied(
                    "this token carries role \(carried), which no token may grant (\(reason)); delete it and create one without that role")
            }
        }
        if role == .instance {
            guard token.spec.roles.contains(where: \.isLocalService) else {
                throw JoinError.accessDenied("cannot requisition instance certs (token contains no local service roles)")
            }
            return
        }
        guard token.spec.roles.contains(role) else {
            throw JoinError.badParameter("can not join the cluster, the token does not allow role \(role)")
        }
    }

    /// The roles embedded in a host certificate: the token's joinable local-service roles for
    /// an Instance join, else just the requested role. A role no join may yield is never among
    /// them, even when the token carries it.
    static func systemRoles(token: ProvisionToken, requested role: SystemRole) -> [SystemRole] {
        let roles = role == .instance ? token.spec.roles.filter(\.isLocalService) : [role]
        return roles.filter { $0.joinRefusalReason == nil }
    }
}
