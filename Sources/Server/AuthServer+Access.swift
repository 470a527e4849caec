import Foundation
import JoinCore

extension AuthServer {
    /// Users' enrollment: `tctl users add/reset/rm` and the invite page.
    public var userEnrollment: UserEnrollment {
        UserEnrollment(users: users, roles: roles, invites: UserInvites(backend: backend, clock: clock),
                       limiter: LoginAttemptLimiter(backend: backend, clock: clock), addressLimiter: signInLimiter,
                       passwordWork: passwordWork, secondFactor: settings.secondFactor, audit: pipeline.audit, clock: clock)
    }

    /// Users' sign-in (`tsh login`).
    public var userSignIn: UserSignIn {
        UserSignIn(users: users, roles: roles, locks: locks, limiter: LoginAttemptLimiter(backend: backend, clock: clock),
                   addressLimiter: signInLimiter, passwordWork: passwordWork, authorities: authorities, secondFactor: settings.secondFactor, audit: pipeline.audit, clock: clock)
    }

    func accessService(authentication: CallerAuthentication) -> AccessServiceHandler {
        AccessServiceHandler(
            callers: AccessCallers(authentication: authentication, callerLocks: CallerLocks(locks: locks), locks: locks),
            enrollment: userEnrollment, signIn: userSignIn, users: users, roles: roles, nodes: nodes, locks: locks,
            audit: pipeline.audit, clock: clock)
    }
}
