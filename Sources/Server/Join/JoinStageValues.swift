import Foundation
import JoinCore
import X509

/// The connection a join stream arrived on: its peer's address and the client certificate it
/// presented, if any, with the identity that certificate proves.
struct JoinConnection: Sendable {
    let remoteAddress: String
    /// The verified identity of ``certificate``; `nil` when none was presented or it proves nothing.
    let presented: PeerIdentity?
    let certificate: Certificate?
}

/// Where a join comes from once `ClientInit` has been read: the client's address (the one a
/// forwarding Proxy Service names, or the peer's own) and the bot identity it presented.
struct JoinOrigin: Sendable {
    let clientAddress: String
    /// The forwarding Proxy Service's address, when one forwarded the join.
    let forwardedBy: String?
    /// The presented bot identity; always `nil` for a forwarded join (the proxy's certificate
    /// says nothing about its client).
    let caller: BotCaller?
    /// The presented host identity; `nil` for a forwarded join, as ``caller``.
    let hostCaller: HostCaller?
}

/// A join whose token, method and role have been checked and that may now be attested.
struct AuthorizedJoin: Sendable {
    let request: JoinRequest
    let origin: JoinOrigin
    let found: TokenStore.Found
    let method: any JoinMethod
    /// The bot the token names; empty for a token without one.
    let botName: String
    /// The presented bot identity, for bot joins only.
    let caller: BotCaller?
    /// The presented host identity, for host joins only.
    let hostCaller: HostCaller?
}

/// A committed join with its certificates signed: what the answer is made of.
struct IssuedJoin: Sendable {
    /// The host ID of a host join; `nil` for a bot.
    let hostID: String?
    let certificates: IssuedCertificates
    /// The token as the commit left it, and the context it was committed in.
    let committedToken: ProvisionToken?
    let commit: CommitContext
}
