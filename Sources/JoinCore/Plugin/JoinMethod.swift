import Foundation

/// The server half of a join method: given a token and a client that claims it, decide whether
/// the client proved it may use the token.
///
/// The Auth server's pipeline does everything around the method: it parses the request, rate
/// limits, looks the token up, checks the method and role, sends `ServerInit`, then calls
/// ``attest(_:over:)``; afterwards it commits the ``Attestation``'s token change, issues
/// certificates and writes the audit event. A method only proves; it never issues.
public protocol JoinMethod: Sendable {
    /// The name used in `join_method:` and `join_params.method:` (e.g. `ec2`).
    var name: String { get }

    /// The `spec` sections this method owns (e.g. `bound_keypair`). A token carrying a section
    /// that no enabled method owns is rejected as an unknown field.
    var tokenSpecSections: Set<String> { get }

    /// True when a client that asked for `requestedMethod` may use this method's tokens.
    /// Defaults to equality; the static method also accepts `token`.
    func accepts(requestedMethod: String) -> Bool

    /// Checks and defaults the method-specific parts of a token (spec §1.3 step 4). Called at
    /// `tctl create`, `tctl tokens add` and config load, after the common checks.
    func validate(_ token: ProvisionToken) throws -> ProvisionToken

    /// Tokens this method serves that do not live in the backend (static config tokens).
    var tokenSource: (any TokenSource)? { get }

    /// Whether a token name is itself the secret (so logs and listings must mask it).
    var tokenNameIsSecret: Bool { get }

    /// Prepares a validated token for storage by `tctl create`: fills server-owned `status`
    /// (e.g. a generated registration secret), keeping `existing`'s status when the method
    /// decides a re-applied token is the same one. Defaults to storing the token as given.
    func prepareForStorage(_ token: ProvisionToken, replacing existing: ProvisionToken?) throws -> ProvisionToken

    /// Proves the client may use `attempt.token`, running zero or more challenge rounds over
    /// `exchange`. Throws a ``JoinError`` (usually `accessDenied`) on any failure.
    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation
}

extension JoinMethod {
    public var tokenSpecSections: Set<String> { [] }
    public func accepts(requestedMethod: String) -> Bool { requestedMethod == name }
    public var tokenSource: (any TokenSource)? { nil }
    public var tokenNameIsSecret: Bool { false }
    public func prepareForStorage(_ token: ProvisionToken, replacing existing: ProvisionToken?) throws -> ProvisionToken {
        token
    }
}

/// Lets a method write its challenge rounds as straight-line code:
/// `let solution = try await exchange.challenge(bytes)`.
public protocol ChallengeExchange: Sendable {
    /// Sends `payload` to the client and waits (bounded by the server's deadline) for its
    /// solution. Throws when the client gives up, disconnects or the deadline passes.
    func challenge(_ payload: Data) async throws -> Data
}

/// Everything the pipeline knows about one join attempt when it hands it to the method.
public struct JoinAttempt: Sendable {
    /// The token, already found, unexpired and allowed for the requested role.
    public var token: ProvisionToken
    /// The backend revision the token was read at; `nil` for tokens from a ``TokenSource``.
    public var tokenRevision: Int64?
    public var requestedRole: SystemRole
    /// The node name the client asked for (already sanitised).
    public var nodeName: String
    /// The client's address as the server saw it (`ip:port`).
    public var remoteAddress: String
    /// The method-defined bytes the client sent in `ClientInit.method_payload`.
    public var initialPayload: Data
    /// The time the pipeline started this attempt (from the server's clock).
    public var startedAt: Date
    /// Live processes in the cluster (for one-process-per-host checks).
    public var presence: any HostPresence
    /// Where the method records verified facts for the audit event, success or failure.
    public let facts: AttemptFacts
    /// The bot identity the caller proved with a current certificate on this connection, if any.
    public var caller: BotCaller?
    /// The cluster's name and signing services.
    public var cluster: ClusterServices
    /// Locks and audit events the method asks for; applied when the attempt ends.
    public let effects: AttemptEffects
    /// The binding of the public keys in `ClientInit` — the keys the certificates will be for
    /// (see ``KeyBinding``). A method with a live proof checks that the client's proof covers
    /// it, so a relay that swapped the keys holds a worthless proof. The pipeline always sets
    /// it; `nil` only in tests that make an attempt by hand, and a bound method refuses then.
    public var keyBinding: KeyBinding?

    public init(token: ProvisionToken, tokenRevision: Int64?, requestedRole: SystemRole, nodeName: String,
                remoteAddress: String, initialPayload: Data, startedAt: Date,
                presence: any HostPresence = NoHostPresence(), facts: AttemptFacts = AttemptFacts(),
                caller: BotCaller? = nil,
                cluster: ClusterServices = ClusterServices(clusterName: "", jwt: UnavailableJWTAuthority(), signatureSuite: "balanced-v1"),
                effects: AttemptEffects = AttemptEffects(), keyBinding: KeyBinding? = nil) {
        self.token = token
        self.tokenRevision = tokenRevision
        self.requestedRole = requestedRole
        self.nodeName = nodeName
        self.remoteAddress = remoteAddress
        self.initialPayload = initialPayload
        self.startedAt = startedAt
        self.presence = presence
        self.facts = facts
        self.caller = caller
        self.cluster = cluster
        self.effects = effects
        self.keyBinding = keyBinding
    }
}

/// What a method verified, and what must change atomically before certificates are issued.
public struct Attestation: Sendable {
    /// A host ID the method determined (EC2: `<account>-<instance>`); `nil` lets the server
    /// assign a random UUID.
    public var hostID: String?
    /// Verified facts for the audit event and labels (account, region, ARN, instance ID, ...).
    public var attributes: [String: String]
    /// The change to the token the server must commit with a compare-and-swap.
    public var tokenChange: TokenChange
    /// Method-defined bytes returned to the client in `JoinResult.method_result`.
    public var methodResult: Data
    /// For bot joins: which bot instance the certificates belong to.
    public var botInstance: BotInstanceChoice
    /// Builds `methodResult` once the token change is committed, from the committed token and
    /// the bot instance (the bound-keypair join state is signed over both). Overrides
    /// ``methodResult`` when set.
    public var finish: (@Sendable (CommittedJoin) throws -> Data)?
    /// Bot joins only: whether the bot may renew these certificates without joining again
    /// (token-method bots, spec §2.5); renewals are held to the generation counter.
    public var renewable: Bool

    public init(hostID: String? = nil, attributes: [String: String] = [:], tokenChange: TokenChange = .none,
                methodResult: Data = Data(), botInstance: BotInstanceChoice = .automatic, renewable: Bool = false,
                finish: (@Sendable (CommittedJoin) throws -> Data)? = nil) {
        self.hostID = hostID
        self.attributes = attributes
        self.tokenChange = tokenChange
        self.methodResult = methodResult
        self.botInstance = botInstance
        self.renewable = renewable
        self.finish = finish
    }
}

/// What the core committed for a join, handed to ``Attestation/finish``.
public struct CommittedJoin: Sendable {
    /// The token as stored after the change (`nil` when it was consumed).
    public var token: ProvisionToken?
    /// The bot instance the certificates were issued for (bot joins only).
    public var botInstanceID: String?
    public var now: Date

    public init(token: ProvisionToken?, botInstanceID: String?, now: Date) {
        self.token = token
        self.botInstanceID = botInstanceID
        self.now = now
    }
}

/// A change to a token's state computed against the freshest stored copy: the core reads the
/// token, calls ``apply`` (which must re-check every precondition the attestation relied on and
/// throw when one no longer holds), and writes the result with a compare-and-swap, retrying a
/// few times if the token changed in between.
public struct TokenPatch: Sendable, Equatable {
    /// What the patch does, for logs and equality in tests.
    public let summary: String
    public let apply: @Sendable (_ fresh: ProvisionToken, _ context: PatchContext) throws -> ProvisionToken

    public init(_ summary: String, apply: @escaping @Sendable (ProvisionToken, PatchContext) throws -> ProvisionToken) {
        self.summary = summary
        self.apply = apply
    }

    public static func == (lhs: TokenPatch, rhs: TokenPatch) -> Bool { lhs.summary == rhs.summary }
}

/// What a ``TokenPatch`` knows besides the fresh token.
public struct PatchContext: Sendable {
    /// The bot instance this join will issue certificates for (already chosen by the core).
    public var botInstanceID: String?
    public var now: Date

    public init(botInstanceID: String?, now: Date) {
        self.botInstanceID = botInstanceID
        self.now = now
    }
}

/// A change to the token that guards a one-time use, committed by the server as a
/// compare-and-swap against the revision the token was read at. If another join changed the
/// token first, the swap fails and so does this join.
public enum TokenChange: Sendable, Equatable {
    case none
    /// Delete the token (single-use bot tokens).
    case consume
    /// Replace the token with this one (e.g. updated `status`).
    case update(ProvisionToken)
    /// Re-apply a change to the freshest copy, re-checking its preconditions.
    case patch(TokenPatch)
}
