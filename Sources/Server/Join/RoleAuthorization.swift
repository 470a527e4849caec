import JoinCore

/// The role check of spec §4.6 (`TokenAllowsRole`) and the system roles an issued certificate
/// carries.
enum RoleAuthorization {
    static func check(token: ProvisionToken, requested role: SystemRole) throws {
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

    /// The roles embedded in a host certificate: the token's local-service roles for an
    /// Instance join, else just the requested role.
    static func systemRoles(token: ProvisionToken, requested role: SystemRole) -> [SystemRole] {
        role == .instance ? token.spec.roles.filter(\.isLocalService) : [role]
    }
}
