import Foundation
import JoinCore
import JoineryProto
import Logging
import X509

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
    let bots: BotStore
    let botIssuance: BotIssuance
    let locks: LockStore
    let audit: AuditLog
    let limiter: JoinRateLimiter
    let clock: any JoinClock
    let logger: Logger

    public init(clusterName: String, methods: JoinMethodSet, tokens: TokenStore, authorities: ClusterAuthorities,
                nodes: NodeRegistry, bots: BotStore, instances: BotInstanceStore, locks: LockStore, audit: AuditLog,
                limiter: JoinRateLimiter, clock: any JoinClock, logger: Logger) {
        self.clusterName = clusterName
        self.methods = methods
        self.tokens = tokens
        self.authorities = authorities
        self.nodes = nodes
        self.bots = bots
        self.botIssuance = BotIssuance(instances: instances, authorities: authorities, clock: clock, logger: logger)
        self.locks = locks
        self.audit = audit
        self.limiter = limiter
        self.clock = clock
        self.logger = logger
    }

    /// Runs one join over `stream`, audits it and records it in ``JoinMetrics``, whatever the
    /// outcome. Rethrows the failure so the transport can turn it into a status.
    ///
    /// `presentedCertificate` is the client certificate of the connection, if any: a current
    /// bot certificate from this cluster makes the attempt an authenticated re-join.
    public func run(_ stream: any JoinStream, remoteAddress: String, presentedCertificate: Certificate? = nil) async throws {
        let started = ContinuousClock.now
        var record = JoinAuditRecord(remoteAddress: remoteAddress)
        let facts = AttemptFacts()
        let effects = AttemptEffects()
        do {
            try await join(stream, record: &record, facts: facts, effects: effects, presentedCertificate: presentedCertificate)
            record.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { attested, _ in attested }
            await apply(effects, record: record, joinFailure: nil)
            await audit.record(record, at: clock.now, failure: nil)
            JoinMetrics.recordAttempt(method: methods.metricLabel(for: record.method), succeeded: true,
                                      duration: started.duration(to: .now))
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
            await apply(effects, record: record, joinFailure: reason)
            await audit.record(record, at: clock.now, failure: reason)
            JoinMetrics.recordAttempt(method: methods.metricLabel(for: record.method), succeeded: false,
                                      duration: started.duration(to: .now))
            throw error
        }
    }

    private func join(_ stream: any JoinStream, record: inout JoinAuditRecord, facts: AttemptFacts,
                      effects: AttemptEffects, presentedCertificate: Certificate?) async throws {
        guard let first = try await stream.receive() else {
            throw JoinError.badParameter("the client closed the stream before sending ClientInit")
        }
        guard case .clientInit(let message)? = first.payload else {
            throw JoinError.badParameter("the first join message must be ClientInit")
        }
        // Through a Proxy Service the client is the one the proxy names, and the proxy's own
        // certificate says nothing about it.
        var caller = presentedBot(presentedCertificate)
        if let client = try ProxyForwarding.clientAddress(
            of: message, presentedCertificate: presentedCertificate, authorities: authorities, now: clock.now) {
            record.forwardedBy = record.remoteAddress
            record.remoteAddress = client
            caller = nil
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

        do {
            try limiter.admit(address: HostCertificateNames.host(of: record.remoteAddress), method: request.requestedMethod)
        } catch {
            JoinMetrics.recordRateLimited(method: methods.metricLabel(for: request.requestedMethod))
            throw error
        }

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
        let botName = found.token.spec.botName
        if request.role == .bot {
            guard !botName.isEmpty else { throw JoinError.badParameter("the token does not name a bot") }
            record.nodeName = UntrustedString.sanitize(botName)
            _ = try await bots.require(name: botName)
            if let caller, caller.botName != botName {
                throw JoinError.accessDenied(
                    "the presented identity belongs to bot \(UntrustedString.sanitize(caller.botName)), but this token is for bot \(UntrustedString.sanitize(botName))")
            }
        }
        let attemptCaller = request.role == .bot ? caller : nil

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
            initialPayload: request.methodPayload, startedAt: clock.now, presence: nodes, facts: facts,
            caller: attemptCaller,
            cluster: ClusterServices(clusterName: clusterName, jwt: authorities.jwt, signatureSuite: JoinPipeline.signatureSuite),
            effects: effects)
        let exchange = StreamChallengeExchange(stream: stream, maximumPayloadBytes: JoinPipeline.maximumPayloadBytes)
        let attestation = try await method.attest(attempt, over: exchange)
        record.attributes = attestation.attributes.mapValues(UntrustedString.sanitizeVerified)

        // Locks are consulted only once the client has proved itself (spec §8.6), so an
        // unauthenticated caller can neither probe them nor trigger them.
        var lockTargets: [LockTarget] = [.joinToken(found.token.metadata.name)]
        if let attemptCaller { lockTargets.append(.botInstanceID(attemptCaller.instanceID)) }
        if case .new(let previous?) = attestation.botInstance { lockTargets.append(.botInstanceID(previous)) }
        if case .host = request.subject, let hostID = attestation.hostID { lockTargets.append(.serverID(hostID)) }
        if let lock = try await locks.firstLock(targeting: lockTargets) {
            throw JoinError.accessDenied(lock.refusal(targetDisplay: lockDisplay(lock.target, token: found.token)))
        }

        var result = Joinery_V1_JoinResult()
        var committed: CommittedJoin
        switch request.subject {
        case .host(let nodeName, let additionalPrincipals, let dnsNames):
            let hostID = attestation.hostID ?? UUID().uuidString.lowercased()
            let token = try await tokens.commit(attestation.tokenChange, for: found, context: PatchContext(botInstanceID: nil, now: clock.now))
            committed = CommittedJoin(token: token, botInstanceID: nil, now: clock.now)
            record.hostID = UntrustedString.sanitize(hostID)
            result.hostID = hostID
            result.certificates = try authorities.issueHostCertificates(HostIdentityRequest(
                hostID: hostID, nodeName: nodeName, role: request.role,
                systemRoles: RoleAuthorization.systemRoles(token: found.token, requested: request.role),
                sshPublicKey: request.sshPublicKey, tlsPublicKey: request.tlsPublicKey,
                additionalPrincipals: additionalPrincipals, dnsNames: dnsNames,
                remoteHost: HostCertificateNames.host(of: record.remoteAddress), now: clock.now))
        case .bot(let requestedExpiry):
            let plan = try botIssuance.plan(
                choice: attestation.botInstance, caller: attemptCaller, botName: botName,
                tokenName: tokens.displayName(found.token), joinMethod: method.name, remoteAddress: record.remoteAddress,
                renewable: attestation.renewable, requestedExpiry: requestedExpiry)
            record.attributes["bot_instance_id"] = plan.instanceID
            do {
                try await botIssuance.check(plan)
                let token = try await tokens.commit(
                    attestation.tokenChange, for: found, context: PatchContext(botInstanceID: plan.instanceID, now: clock.now))
                let issued = try await botIssuance.issue(plan, sshPublicKey: request.sshPublicKey, tlsPublicKey: request.tlsPublicKey)
                record.attributes["bot_generation"] = String(issued.generation)
                result.certificates = issued.certificates
                committed = CommittedJoin(token: token, botInstanceID: plan.instanceID, now: clock.now)
            } catch let refusal as BotIssuance.GenerationRefusal {
                if let lock = refusal.lock {
                    effects.lock(lock, message: "the certificate generation of bot \(botName) instance \(plan.instanceID) did not match: its identity may have been copied")
                }
                effects.emit(.init(
                    type: "bot.generation_mismatch", code: "TBG001W", success: false,
                    fields: ["bot_name": botName, "bot_instance_id": plan.instanceID,
                             "stored_generation": refusal.storedGeneration.map(String.init) ?? "none",
                             "presented_generation": String(refusal.presentedGeneration)],
                    failure: refusal.error.message))
                throw refusal.error
            }
        }
        if let finish = attestation.finish {
            result.methodResult = try finish(committed)
        } else {
            result.methodResult = attestation.methodResult
        }
        var response = Joinery_V1_JoinResponse()
        response.result = result
        try await stream.send(response)
    }

    /// How a lock's target is named in a refusal: a token whose name is its secret is masked.
    private func lockDisplay(_ target: LockTarget, token: ProvisionToken) -> String {
        if case .joinToken = target { return tokens.displayName(token) }
        return UntrustedString.sanitize(target.value)
    }

    /// The bot identity of a presented certificate, when it is a current bot certificate of
    /// this cluster; anything else (a throwaway certificate, an expired one) is no identity.
    private func presentedBot(_ certificate: Certificate?) -> BotCaller? {
        guard let certificate, let identity = try? authorities.authenticate(certificate, now: clock.now),
              identity.role == .bot, let bot = identity.bot, !bot.instanceID.isEmpty else { return nil }
        return BotCaller(botName: bot.name, instanceID: bot.instanceID, generation: bot.generation)
    }

    /// Creates the locks and writes the events the attempt asked for.
    private func apply(_ effects: AttemptEffects, record: JoinAuditRecord, joinFailure: String?) async {
        for request in effects.locks {
            do {
                let lock = try await locks.create(
                    LockResource(name: "", target: request.target, message: request.message, createdAt: clock.now, createdBy: "joinery-auth"),
                    upsert: false)
                logger.warning("created lock", metadata: ["lock": "\(lock.name)", "target": "\(request.target.key)"])
                await audit.recordEvent(AttemptEffects.Event(
                    type: "lock.created", code: "TLK00I", success: true,
                    fields: ["lock_name": lock.name, "target": request.target.key,
                             "target_value": request.target.key == "join_token" ? record.tokenName : request.target.value,
                             "message": request.message]), record: record, at: clock.now)
            } catch {
                logger.error("failed to create lock", metadata: ["target": "\(request.target.key)", "error": "\(error)"])
            }
        }
        for event in effects.events {
            await audit.recordEvent(event, record: record, at: clock.now)
        }
    }
}
