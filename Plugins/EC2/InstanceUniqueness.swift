import JoinCore

/// Spec §6.2 step 5: one joined process per instance and role. A best-effort check against
/// live heartbeats: if a process with the instance's host ID already heartbeats in a role
/// being requested, a second one is refused.
enum InstanceUniqueness {
    /// Roles whose processes heartbeat and so can be checked.
    static let checkedRoles: Set<SystemRole> = [.node, .proxy, .kube, .app, .okta, .db, .windowsDesktop]
    /// Roles joined without a presence check.
    static let uncheckedRoles: Set<SystemRole> = [.discovery, .mdm]

    static func check(hostID: String, attempt: JoinAttempt) async throws {
        let roles: [SystemRole]
        if attempt.requestedRole == .instance {
            roles = attempt.token.spec.roles.filter { checkedRoles.contains($0) }
        } else if checkedRoles.contains(attempt.requestedRole) {
            roles = [attempt.requestedRole]
        } else if uncheckedRoles.contains(attempt.requestedRole) {
            roles = []
        } else {
            throw EC2Errors.unsupportedRole(attempt.requestedRole)
        }
        for role in roles where try await attempt.presence.isLive(hostID: hostID, role: role) {
            throw EC2Errors.alreadyJoined(hostID: hostID, role: role)
        }
    }
}
