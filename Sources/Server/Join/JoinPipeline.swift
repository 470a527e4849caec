import Foundation
import JoinCore
import JoineryProto
import Logging

/// The core join pipeline (DESIGN.md §2), the same for every method:
/// parse `ClientInit` → rate limit → find the token → method and role checks → `ServerInit` →
/// **the method attests** → commit the token change (compare-and-swap) → issue certificates →
/// audit. Only the attestation step belongs to the method; nothing here names one.
public struct JoinPipeline: Sendable {
    /// The signature algorithm suite announced in `ServerInit` and `Ping`: Ed25519 SSH keys and
    /// ECDSA P-256 TLS keys.
    public static let signatureSuite = "balanced-v1"
    /// Upper bound on any method payload or solution, on top of gRPC's message limit.
    public static let maximumPayloadBytes = 64 * 1024

    let clusterName: String
    let methods: JoinMethodSet
    let tokens: TokenStore
    let authorities: ClusterAuthorities
    let nodes: NodeRegistry
    let audit: AuditLog
    let limiter: JoinRateLimiter
    let clock: any JoinClock
    let logger: Logger

    public init(clusterName: String, methods: JoinMethodSet, tokens: TokenStore, authorities: ClusterAuthorities,
                nodes: NodeRegistry, audit: AuditLog, limiter: JoinRateLimiter, clock: any JoinClock, logger: Logger) {
        self.clusterName = clusterName
        self.methods = methods
        self.tokens = tokens
        self.authorities = authorities
        self.nodes = nodes
        self.audit = audit
        self.limiter = limiter
        self.clock = clock
        self.logger = logger
    }

    /// Runs one join over `stream` and audits it, whatever the outcome. Rethrows the failure so
    /// the transport can turn it into a status.
    public func run(_ stream: any JoinStream, remoteAddress: String) async throws {
        var record = JoinAuditRecord(remoteAddress: remoteAddress)
        let facts = AttemptFacts()
        do {
            try await join(stream, record: &record, facts: facts)
            record.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { attested, _ in attested }
            await audit.record(record, at: clock.now, failure: nil)
        } catch {
            record.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { attested, _ in attested }
            let reason: String
            if let error = error as? JoinError {
                reason = error.message
            } else if error is CancellationError {
                reason = "join attempt timed out or was aborted"
            } else {
                reason = "join attempt timed out or was aborted: \(String(describing: type(of: error)))"
            }
            await audit.record(record, at: clock.now, failure: reason)
            throw error
        }
    }

    private func join(_ stream: any JoinStream, record: inout JoinAuditRecord, facts: AttemptFacts) async throws {
        guard let first = try await stream.receive() else {
            throw JoinError.badParameter("the client closed the stream before sending ClientInit")
        }
        guard case .clientInit(let message)? = first.payload else {
            throw JoinError.badParameter("the first join message must be ClientInit")
        }
        guard message.methodPayload.count <= JoinPipeline.maximumPayloadBytes else {
            throw JoinError.badParameter("method payload is \(message.methodPayload.count) bytes; the limit is \(JoinPipeline.maximumPayloadBytes)")
        }
        record.tokenName = SafeName.mask(message.tokenName)
        record.role = UntrustedString.sanitize(message.systemRole)
        record.method = UntrustedString.sanitize(message.joinMethod)
        let request = try JoinRequest(message)
        record.nodeName = request.displayName
        record.role = request.role.rawValue

        try limiter.admit(address: HostCertificateNames.host(of: record.remoteAddress), method: request.requestedMethod)

        let found = try await tokens.findForJoin(name: request.tokenName)
        guard let method = methods.method(named: found.token.spec.joinMethod) else {
            throw JoinError.tokenExpiredOrNotFound
        }
        record.method = method.name
        record.tokenName = tokens.displayName(found.token)
        if !request.requestedMethod.isEmpty && !method.accepts(requestedMethod: request.requestedMethod) {
            throw JoinError.badParameter(
                "client requested join method \(UntrustedString.sanitize(request.requestedMethod)), provision token only supports method \(method.name)")
        }
        try RoleAuthorization.check(token: found.token, requested: request.role)
        if request.role == .bot && found.token.spec.botName.isEmpty {
            throw JoinError.badParameter("the token does not name a bot")
        }

        var serverInit = Joinery_V1_JoinResponse()
        serverInit.serverInit = .with {
            $0.joinMethod = method.name
            $0.clusterName = clusterName
            $0.signatureSuite = JoinPipeline.signatureSuite
        }
        try await stream.send(serverInit)

        let attempt = JoinAttempt(
            token: found.token, tokenRevision: found.revision, requestedRole: request.role,
            nodeName: request.displayName, remoteAddress: record.remoteAddress,
            initialPayload: request.methodPayload, startedAt: clock.now, presence: nodes, facts: facts)
        let exchange = StreamChallengeExchange(stream: stream, maximumPayloadBytes: JoinPipeline.maximumPayloadBytes)
        let attestation = try await method.attest(attempt, over: exchange)
        record.attributes = attestation.attributes.mapValues(UntrustedString.sanitizeVerified)

        try await tokens.commit(attestation.tokenChange, for: found)

        var result = Joinery_V1_JoinResult()
        result.methodResult = attestation.methodResult
        switch request.subject {
        case .host(let nodeName, let additionalPrincipals, let dnsNames):
            let hostID = attestation.hostID ?? UUID().uuidString.lowercased()
            record.hostID = UntrustedString.sanitize(hostID)
            result.hostID = hostID
            result.certificates = try authorities.issueHostCertificates(HostIdentityRequest(
                hostID: hostID, nodeName: nodeName, role: request.role,
                systemRoles: RoleAuthorization.systemRoles(token: found.token, requested: request.role),
                sshPublicKey: request.sshPublicKey, tlsPublicKey: request.tlsPublicKey,
                additionalPrincipals: additionalPrincipals, dnsNames: dnsNames,
                remoteHost: HostCertificateNames.host(of: record.remoteAddress), now: clock.now))
        case .bot(let requestedExpiry):
            record.nodeName = UntrustedString.sanitize(found.token.spec.botName)
            result.certificates = try authorities.issueBotCertificates(BotIdentityRequest(
                botName: found.token.spec.botName, sshPublicKey: request.sshPublicKey,
                tlsPublicKey: request.tlsPublicKey, requestedExpiry: requestedExpiry, now: clock.now))
        }
        var response = Joinery_V1_JoinResponse()
        response.result = result
        try await stream.send(response)
    }
}
