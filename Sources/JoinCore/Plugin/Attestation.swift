import Foundation

/// What a method verified, and what must change atomically before certificates are issued.
/// Verified facts do not go here: the method records them in ``JoinAttempt/facts``.
///
/// Most methods return `Attestation()`, or `Attestation(hostID:)` when they determine the
/// host's identity.
public struct Attestation: Sendable {
    /// A host ID the method determined (ec2: `<account>-<instance>`); `nil` lets the server
    /// assign a random UUID.
    public var hostID: String?

    // MARK: Rarely needed (token, bound_keypair)

    /// The change to the token the server must commit with a compare-and-swap (token: bot
    /// tokens are consumed; bound_keypair: a patch of its status).
    public var tokenChange: TokenChange
    /// Builds the bytes for `JoinResult.method_result` once the token change is committed,
    /// from the token as committed (`nil` when it was consumed) and the ``CommitContext``
    /// (bound_keypair signs its join state over both). `nil` answers with empty bytes.
    public var methodResult: (@Sendable (_ committed: ProvisionToken?, _ commit: CommitContext) throws -> Data)?
    /// Bot joins only (token, bound_keypair): which bot instance the certificates belong to
    /// and whether they are renewable. `nil`: continue an instance the caller presented, else
    /// start a new one; not renewable.
    public var bot: Bot?

    public init(hostID: String? = nil, tokenChange: TokenChange = .none, bot: Bot? = nil,
                methodResult: (@Sendable (_ committed: ProvisionToken?, _ commit: CommitContext) throws -> Data)? = nil) {
        self.hostID = hostID
        self.tokenChange = tokenChange
        self.bot = bot
        self.methodResult = methodResult
    }
}
