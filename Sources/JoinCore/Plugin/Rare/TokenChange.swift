/// A change to the token that guards a one-time use, committed by the server as a
/// compare-and-swap against the revision the token was read at. If another join changed the
/// token first, the swap fails and so does this join.
public enum TokenChange: Sendable, Equatable {
    case none
    /// Delete the token (single-use bot tokens).
    case consume
    /// Re-apply a change to the freshest copy, re-checking its preconditions.
    case patch(TokenPatch)
}

/// A change to a token's state computed against the freshest stored copy: the core reads the
/// token, calls ``apply`` (which must re-check every precondition the attestation relied on and
/// throw when one no longer holds), and writes the result with a compare-and-swap, retrying a
/// few times if the token changed in between.
public struct TokenPatch: Sendable, Equatable {
    /// What the patch does, for logs and equality in tests.
    public let summary: String
    public let apply: @Sendable (_ fresh: ProvisionToken, _ commit: CommitContext) throws -> ProvisionToken

    public init(_ summary: String, apply: @escaping @Sendable (_ fresh: ProvisionToken, _ commit: CommitContext) throws -> ProvisionToken) {
        self.summary = summary
        self.apply = apply
    }

    public static func == (lhs: TokenPatch, rhs: TokenPatch) -> Bool { lhs.summary == rhs.summary }
}
