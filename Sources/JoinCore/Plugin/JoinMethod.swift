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

    /// Proves the client may use `attempt.token`, running zero or more challenge rounds over
    /// `exchange`. Throws a ``JoinError`` (usually `accessDenied`) on any failure.
    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation
}

extension JoinMethod {
    public var tokenSpecSections: Set<String> { [] }
    public func accepts(requestedMethod: String) -> Bool { requestedMethod == name }
    public var tokenSource: (any TokenSource)? { nil }
    public var tokenNameIsSecret: Bool { false }
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

    public init(token: ProvisionToken, tokenRevision: Int64?, requestedRole: SystemRole, nodeName: String,
                remoteAddress: String, initialPayload: Data, startedAt: Date,
                presence: any HostPresence = NoHostPresence(), facts: AttemptFacts = AttemptFacts()) {
        self.token = token
        self.tokenRevision = tokenRevision
        self.requestedRole = requestedRole
        self.nodeName = nodeName
        self.remoteAddress = remoteAddress
        self.initialPayload = initialPayload
        self.startedAt = startedAt
        self.presence = presence
        self.facts = facts
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

    public init(hostID: String? = nil, attributes: [String: String] = [:], tokenChange: TokenChange = .none,
                methodResult: Data = Data()) {
        self.hostID = hostID
        self.attributes = attributes
        self.tokenChange = tokenChange
        self.methodResult = methodResult
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
}
