import Foundation

/// Everything the pipeline knows about one join attempt when it hands it to the method.
public struct JoinAttempt: Sendable {
    /// The token, already found, unexpired and allowed for the requested role.
    public var token: ProvisionToken
    public var requestedRole: SystemRole
    /// The method-defined bytes the client sent in `ClientInit.method_payload`.
    public var initialPayload: Data
    /// The time the pipeline started this attempt (from the server's clock).
    public var startedAt: Date
    /// Where the method records verified facts for the audit event, success or failure.
    public let facts: AttemptFacts
    /// The binding of the public keys in `ClientInit` — the keys the certificates will be for
    /// (see ``KeyBinding``). A method with a live proof checks that the client's proof covers
    /// it, so a relay that swapped the keys holds a worthless proof. The pipeline always sets
    /// it; `nil` only in tests that make an attempt by hand, and a bound method refuses then.
    public var keyBinding: KeyBinding?

    // MARK: Rarely needed (ec2: presence; bound_keypair: caller, cluster, effects; the rest: no method reads them)

    /// Live processes in the cluster (for one-process-per-host checks).
    public var presence: any HostPresence
    /// The bot identity the caller proved with a current certificate on this connection, if any.
    public var caller: BotCaller?
    /// The host identity the caller proved with a current host certificate on this connection,
    /// if any (host joins only; see ``HostCaller``).
    public var hostCaller: HostCaller?
    /// The cluster's name and signing services.
    public var cluster: ClusterServices
    /// Locks and audit events the method asks for; applied when the attempt ends.
    public let effects: AttemptEffects
    /// The backend revision the token was read at; `nil` for tokens from a ``TokenSource``.
    public var tokenRevision: Int64?
    /// The node name the client asked for (already sanitised).
    public var nodeName: String
    /// The client's address as the server saw it (`ip:port`).
    public var remoteAddress: String

    public init(token: ProvisionToken, tokenRevision: Int64?, requestedRole: SystemRole, nodeName: String,
                remoteAddress: String, initialPayload: Data, startedAt: Date,
                presence: any HostPresence = NoHostPresence(), facts: AttemptFacts = AttemptFacts(),
                caller: BotCaller? = nil, hostCaller: HostCaller? = nil,
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
        self.hostCaller = hostCaller
        self.cluster = cluster
        self.effects = effects
        self.keyBinding = keyBinding
    }
}
