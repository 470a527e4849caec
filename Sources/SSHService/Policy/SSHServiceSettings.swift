import Foundation
import NIOCore
import NIOSSH

/// Everything an ``SSHServer`` needs: its host key, whom to trust, whom to ask, whom to tell.
public struct SSHServiceSettings: Sendable {
    /// The node's host key (the key its host certificate certifies).
    public var hostKey: NIOSSHPrivateKey
    /// The cluster's user CA SSH keys: only certificates they signed may log in.
    public var trustedUserCAKeys: [NIOSSHPublicKey]
    public var policy: any SSHAccessPolicy
    public var auditor: any SSHSessionAuditor
    /// The clock certificates are checked against; tests pass a fake one.
    public var now: @Sendable () -> Date = { Date() }
    /// How many `SSH_MSG_USERAUTH_REQUEST`s one connection may send (probes and `none` included).
    public var maxAuthAttempts: Int = 6
    /// How long a connection may stay unauthenticated (handshake included) before it is closed.
    public var authenticationTimeout: TimeAmount = .seconds(30)

    public init(
        hostKey: NIOSSHPrivateKey, trustedUserCAKeys: [NIOSSHPublicKey], policy: any SSHAccessPolicy,
        auditor: any SSHSessionAuditor, now: @escaping @Sendable () -> Date = { Date() },
        maxAuthAttempts: Int = 6, authenticationTimeout: TimeAmount = .seconds(30)
    ) {
        self.hostKey = hostKey
        self.trustedUserCAKeys = trustedUserCAKeys
        self.policy = policy
        self.auditor = auditor
        self.now = now
        self.maxAuthAttempts = maxAuthAttempts
        self.authenticationTimeout = authenticationTimeout
    }
}
