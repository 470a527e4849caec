import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore

/// Who may make which server-access call: a user (its own certificate from the user CA), the
/// Proxy Service (for sign-ins and invites it relays), or a node (for the users it serves).
/// Every caller is checked against the locks on every call.
struct AccessCallers: Sendable {
    let authentication: CallerAuthentication
    let callerLocks: CallerLocks
    let locks: LockStore

    /// A Proxy Service of this cluster.
    func requireProxy(_ context: ServerContext) async throws -> PeerIdentity {
        try await requireHost(context, role: .proxy, doing: "relay sign-ins and invites")
    }

    /// A node (a host running the SSH Service) of this cluster.
    func requireNode(_ context: ServerContext) async throws -> PeerIdentity {
        try await requireHost(context, role: .node, doing: "ask about users' access")
    }

    private func requireHost(_ context: ServerContext, role: SystemRole, doing what: String) async throws -> PeerIdentity {
        let caller = try authentication.identity(of: context)
        guard caller.role == role || (caller.role == .instance && caller.systemRoles.contains(role)) else {
            throw JoinError.accessDenied("only a \(role.rawValue) identity may \(what)")
        }
        return try await callerLocks.checked(caller)
    }

    /// A signed-in user, not locked.
    func requireUser(_ context: ServerContext) async throws -> UserIdentity {
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
              let certificate = transport.peerCertificate else {
            throw JoinError.accessDenied("this call needs a user certificate; sign in with tsh login")
        }
        let user = try UserIdentity.verify(certificate, userCAs: authentication.authorities.user.trustedTLSCertificates,
                                           now: authentication.clock.now)
        guard user.clusterName == authentication.authorities.clusterName else {
            throw JoinError.accessDenied("the user certificate is for cluster \(UntrustedString.sanitize(user.clusterName))")
        }
        if let lock = try await locks.firstLock(targeting: [.user(user.name)]) {
            throw JoinError.accessDenied(CallerLocks.refusal(lock))
        }
        return user
    }

    /// Either a user or a Proxy Service: which one called.
    enum UserOrProxy {
        case user(UserIdentity)
        case proxy(PeerIdentity)
    }

    func requireUserOrProxy(_ context: ServerContext) async throws -> UserOrProxy {
        if let caller = try? authentication.identity(of: context) {
            guard caller.role == .proxy || (caller.role == .instance && caller.systemRoles.contains(.proxy)) else {
                throw JoinError.accessDenied("only users and Proxy Services may list nodes here")
            }
            return .proxy(try await callerLocks.checked(caller))
        }
        return .user(try await requireUser(context))
    }
}
