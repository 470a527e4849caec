import Foundation

/// What the SSH Service asks its policy, after its own certificate checks passed.
///
/// By the time a policy sees one, the server has already established that the certificate was
/// signed by a trusted user CA, is a user certificate, is valid now, names `login` among its
/// principals, carries no critical option it cannot enforce, and that `login` is a Unix account
/// this node can start sessions for. The policy decides the rest: roles, labels, locks.
public struct SSHLoginRequest: Sendable, Equatable {
    /// The Teleport user: the certificate's key ID.
    public var user: String
    /// The Unix login requested (the SSH user name).
    public var login: String
    /// From the certificate extension `teleport-roles` (`{"version":"v1","roles":[...]}`).
    public var roles: [String]
    public var principals: [String]
    public var certificateSerial: UInt64
    public var certificateValidBefore: Date
    /// `ip:port` of the SSH client as this server knows it (the proxy's word for tunnelled connections).
    public var clientAddress: String

    public init(
        user: String, login: String, roles: [String], principals: [String], certificateSerial: UInt64,
        certificateValidBefore: Date, clientAddress: String
    ) {
        self.user = user
        self.login = login
        self.roles = roles
        self.principals = principals
        self.certificateSerial = certificateSerial
        self.certificateValidBefore = certificateValidBefore
        self.clientAddress = clientAddress
    }
}

/// A policy's answer: let the login through, or refuse it with a reason that goes to the audit
/// log (never to the client, which only learns that authentication failed).
public enum SSHLoginDecision: Sendable, Equatable {
    case allow
    case deny(String)
}

/// Decides whether a user may log in (roles, labels, locks) — the node supplies one backed by the Auth server.
///
/// A protocol because the decision lives elsewhere: the node asks the Auth server, tests answer
/// directly. It is asked once per authentication attempt that passed the server's own checks.
public protocol SSHAccessPolicy: Sendable {
    func decide(_ request: SSHLoginRequest) async -> SSHLoginDecision
}
