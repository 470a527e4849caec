import Foundation

/// The server half of a join method: given a token and a client that claims it, decide whether
/// the client proved it may use the token.
///
/// The Auth server's pipeline does everything around the method: it parses the request, rate
/// limits, looks the token up, checks the method and role, sends `ServerInit`, then calls
/// ``attest(_:over:)``; afterwards it commits the ``Attestation``'s token change, issues
/// certificates and writes the audit event. A method only proves; it never issues.
///
/// Only ``name`` and ``attest(_:over:)`` are required; every other member has a default.
public protocol JoinMethod: Sendable {
    /// The name used in `join_method:` and `join_params.method:` (e.g. `ec2`).
    var name: String { get }

    /// Proves the client may use `attempt.token`, running zero or more challenge rounds over
    /// `exchange`. Record each verified fact with `attempt.facts.record(_:_:)` as soon as it is
    /// known: it reaches the audit event whether or not the join succeeds. Throws a
    /// ``JoinError`` (usually `accessDenied`) on any failure.
    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation

    /// Checks and defaults the method-specific parts of a token (spec §1.3 step 4). Called at
    /// `tctl create`, `tctl tokens add` and config load, after the common checks. Defaults to
    /// the token unchanged; a synchronous implementation satisfies it.
    func validate(_ token: ProvisionToken) async throws -> ProvisionToken

    /// The `spec` sections this method owns and decodes itself from
    /// `token.spec.methodSections` (e.g. `bound_keypair`; `allow` for both AWS methods).
    /// A token may carry only its own method's sections: one that no enabled method owns is
    /// an unknown field, one that another method owns is refused as not compatible.
    var tokenSpecSections: Set<String> { get }

    // MARK: Rarely needed: each has a default that suits every other method

    /// Sections that make a token written without `join_method` this method's. Defaults to
    /// none; `ec2` claims `allow`, as Teleport does for tokens older than `join_method`.
    var impliedBySections: Set<String> { get }

    /// True when a client that asked for `requestedMethod` may use this method's tokens.
    /// Defaults to equality; `static` also accepts `token`.
    func accepts(requestedMethod: String) -> Bool

    /// Tokens this method serves that do not live in the backend (`static`: config tokens).
    var tokenSource: (any TokenSource)? { get }

    /// Whether a token name is itself the secret, so logs and listings must mask it
    /// (`static`, `token`).
    var tokenNameIsSecret: Bool { get }

    /// Prepares a validated token for storage by `tctl create`: fills server-owned `status`
    /// (e.g. a generated registration secret), keeping `existing`'s status when the method
    /// decides a re-applied token is the same one (`bound_keypair`). Defaults to storing the
    /// token as given.
    func prepareForStorage(_ token: ProvisionToken, replacing existing: ProvisionToken?) throws -> ProvisionToken
}

extension JoinMethod {
    /// Synchronous, like the built-in methods' own `validate`, so that a call on a concrete
    /// method always reaches that method's implementation.
    public func validate(_ token: ProvisionToken) throws -> ProvisionToken { token }
    public var tokenSpecSections: Set<String> { [] }
    public var impliedBySections: Set<String> { [] }
    public func accepts(requestedMethod: String) -> Bool { requestedMethod == name }
    public var tokenSource: (any TokenSource)? { nil }
    public var tokenNameIsSecret: Bool { false }
    public func prepareForStorage(_ token: ProvisionToken, replacing existing: ProvisionToken?) throws -> ProvisionToken {
        token
    }
}
