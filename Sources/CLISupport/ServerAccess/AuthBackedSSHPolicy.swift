import AccessControl
import Foundation
import JoinCore
import Logging
import SSHService

/// The node's decision on a user's SSH login, with what the Auth server says now: the user
/// must still exist and not be locked, and one of the roles its certificate names (and it
/// still holds) must allow the login on this node's labels — the labels as the cluster binds
/// them, not as this node reports them. Anything that cannot be checked is refused.
struct AuthBackedSSHPolicy: SSHAccessPolicy {
    let client: NodeAccessClient
    let logger: Logger

    func decide(_ request: SSHLoginRequest) async -> SSHLoginDecision {
        let access: UserAccessAnswer
        do {
            access = try await client.withAccess { access in
                let answer = try await access.getUserAccess(.with { $0.user = request.user })
                return UserAccessAnswer(exists: answer.exists, lockMessage: answer.lockMessage, logins: answer.logins,
                                        rolesJSON: answer.rolesJson, nodeLabels: answer.nodeLabels)
            }
        } catch {
            logger.warning("cannot check a user's access with the Auth server; refusing", metadata: ["error": "\(error)"])
            return .deny("the node cannot check access with the Auth server right now")
        }
        return Self.decide(request, access)
    }

    /// What the Auth server answered, as plain values.
    struct UserAccessAnswer: Sendable {
        var exists: Bool
        var lockMessage: String
        var logins: [String]
        var rolesJSON: [Data]
        var nodeLabels: [String: String]
    }

    static func decide(_ request: SSHLoginRequest, _ access: UserAccessAnswer) -> SSHLoginDecision {
        guard access.exists else { return .deny("user \(request.user) no longer exists") }
        guard access.lockMessage.isEmpty else { return .deny(access.lockMessage) }
        var current: [Role] = []
        for document in access.rolesJSON {
            guard let role = try? Role(document: document) else {
                return .deny("one of user \(request.user)'s roles cannot be read by this node; refusing rather than ignoring it")
            }
            current.append(role)
        }
        // Allow rules only from roles the certificate names and the user still holds; deny
        // rules from every role the user holds now, so a deny added since the sign-in bites.
        let granting = current.filter { request.roles.contains($0.name) }
        guard !granting.isEmpty else {
            return .deny("user \(request.user) holds none of the roles its certificate names (\(request.roles.joined(separator: ", ")))")
        }
        let denyingOnly = current.filter { !request.roles.contains($0.name) }.map { role -> Role in
            var copy = role
            copy.allow = RoleConditions()
            return copy
        }
        let checker = AccessChecker(roles: granting + denyingOnly, traits: ["logins": access.logins])
        switch checker.checkLogin(request.login, nodeLabels: access.nodeLabels) {
        case .allowed: return .allow
        case .denied(let reason): return .deny(reason)
        }
    }
}

/// Sends the SSH Service's session events to the Auth server's audit log. A failure is logged
/// here (the session is not held up by the audit log).
struct AuthSessionAuditor: SSHSessionAuditor {
    let client: NodeAccessClient
    let logger: Logger

    func record(_ event: SSHSessionEvent) async {
        var fields: [String: Any] = [
            "type": event.kind.rawValue, "user": event.user, "login": event.login, "session_id": event.sessionID,
            "client_addr": event.clientAddress, "interactive": event.interactive,
        ]
        if let command = event.command { fields["command"] = command }
        if let code = event.exitCode { fields["exit_code"] = Int(code) }
        if let duration = event.durationSeconds { fields["duration_seconds"] = duration }
        if let reason = event.reason { fields["reason"] = reason }
        do {
            let json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            try await client.withAccess { _ = try await $0.emitSessionEvent(.with { $0.eventJson = json }) }
        } catch {
            logger.error("could not send a session event to the Auth server's audit log",
                         metadata: ["type": "\(event.kind.rawValue)", "user": "\(event.user)", "error": "\(error)"])
        }
    }
}
