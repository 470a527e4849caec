import AccessControl
import Foundation
import JoinCore

/// Users and their invites: `tctl users add` creates a user without credentials and an
/// invite; the invite page (on the Proxy Service) shows the OTP device to enroll and sets the
/// password; `tctl users reset` clears the credentials and makes a new invite.
public struct UserEnrollment: Sendable {
    let users: UserStore
    let roles: RoleStore
    let invites: UserInvites
    let limiter: LoginAttemptLimiter
    /// Invite completions per client address (each costs a scrypt hash).
    let addressLimiter: JoinRateLimiter
    let passwordWork: PasswordWorkGate
    let secondFactor: SecondFactorMode
    let audit: AuditLog
    let clock: any JoinClock

    /// `tctl users add NAME --roles=… --logins=…`, or with `reset`, `tctl users reset NAME`.
    public func invite(user name: String, roles roleNames: [String], logins: [String], reset: Bool,
                       lifetime: TimeInterval?, admin: String) async throws -> (token: String, invite: UserInvites.Invite) {
        try UserAccount.validate(name: name)
        if reset {
            try await users.update(name) { user in
                user.passwordHash = nil
                user.otpSecret = nil
                user.otpLastCounter = nil
            }
            try await invites.removeAll(of: name)
            try await limiter.reset(name)
        } else {
            guard !roleNames.isEmpty else {
                throw JoinError.badParameter("a user needs at least one role: pass --roles (for example --roles=access)")
            }
            for role in roleNames where try await roles.get(role) == nil {
                throw JoinError.notFound("role \(UntrustedString.sanitize(role)) does not exist; tctl get roles lists the roles")
            }
            for login in logins { try UserAccount.validate(login: login) }
            try await users.create(UserAccount(name: name, roles: roleNames, logins: logins, createdAt: clock.now, createdBy: admin))
        }
        let created = try await invites.create(user: name, otpRequired: secondFactor == .otp, reset: reset, lifetime: lifetime)
        await audit.record(AccessAuditEvent(kind: reset ? .userReset : .userCreate, success: true, user: name,
                                            remoteAddress: "", fields: ["by": admin, "roles": roleNames.joined(separator: ",")]),
                           at: clock.now)
        return created
    }

    /// What the invite page shows.
    public func details(token: String) async throws -> UserInvites.Invite {
        try await invites.find(token: token).invite
    }

    /// Sets the password (and enrolls the OTP device, proven by a code from it) and spends the invite.
    public func complete(token: String, password: String, otpCode: String, clientAddress: String) async throws -> String {
        try addressLimiter.admit(address: UserSignIn.host(of: clientAddress))
        let (invite, revision) = try await invites.find(token: token)
        try PasswordPolicy.check(password)
        var device: TOTPDevice?
        var counter: UInt64?
        if let secret = invite.otpSecret {
            let enrolled = try TOTPDevice(base32Secret: secret)
            guard let matched = enrolled.matchingCounter(for: otpCode, at: clock.now, lastUsedCounter: nil) else {
                await audit.record(AccessAuditEvent(kind: .userReset, success: false, user: invite.user, remoteAddress: clientAddress,
                                                    reason: "the OTP code does not match the device being enrolled"), at: clock.now)
                throw JoinError.badParameter(
                    "the one-time code does not match: add the secret to your authenticator app and enter the code it shows now")
            }
            device = enrolled
            counter = matched
        }
        let hash = try passwordWork.run { try PasswordHash.make(password: password) }
        try await invites.spend(token: token, revision: revision)
        try await users.update(invite.user) { user in
            user.passwordHash = hash.encoded
            user.otpSecret = device?.base32Secret
            user.otpLastCounter = counter
        }
        await audit.record(AccessAuditEvent(kind: .userReset, success: true, user: invite.user, remoteAddress: clientAddress,
                                            fields: ["second_factor": device == nil ? "none" : "otp"]), at: clock.now)
        return invite.user
    }

    /// `tctl users rm`: the user, its invites and its failed attempts.
    public func remove(user name: String, admin: String) async throws {
        try await users.delete(name)
        try await invites.removeAll(of: name)
        try await limiter.reset(name)
        await audit.record(AccessAuditEvent(kind: .userDelete, success: true, user: name, remoteAddress: "", fields: ["by": admin]),
                           at: clock.now)
    }
}
