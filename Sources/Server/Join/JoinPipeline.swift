import Foundation
import JoinCore
import JoineryProto
import Logging
import X509

/// The core join pipeline (DESIGN.md §2), the same for every method:
/// parse `ClientInit` → concurrent-stream cap → rate limit → find the token → method and role
/// checks → `ServerInit` → **the method attests** → commit the token change (compare-and-swap)
/// → issue certificates → audit → answer (the result is sent only once it is on record). Only
/// the attestation step belongs to the method; nothing here names one.
///
/// Token refusals conceal which names exist: unknown, expired and other-method tokens get the
/// same answer at the same time (``ConcealedRefusal``), while the audit event keeps the reason.
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
    let concurrency: ConcurrentJoinLimiter
    let clock: any JoinClock
    let logger: Logger

    public init(clusterName: String, methods: JoinMethodSet, tokens: TokenStore, authorities: ClusterAuthorities,
                nodes: NodeRegistry, bots: BotStore, instances: BotInstanceStore, locks: LockStore, audit: AuditLog,
                limiter: JoinRateLimiter, concurrency: ConcurrentJoinLimiter, clock: any JoinClock, logger: Logger) {
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
        self.concurrency = concurrency
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
        let presented = presentedCertificate.flatMap { try? authorities.authenticate($0, now: clock.now) }
        var progress = AttemptProgress()
        defer { if let slot = progress.slot { concurrency.leave(slot) } }
        let response: Joinery_V1_JoinResponse
        do {
            // A direct stream counts against its peer from the start, so a silent one counts
            // too; a proxy's stream counts once ClientInit names its client (see `join`).
            if !ProxyForwarding.isProxy(presented) {
                progress.slot = try enterConcurrencyCap(from: remoteAddress, requestedMethod: "")
            }
            response = try await join(stream, record: &record, progress: &progress, facts: facts, effects: effects,
                           presented: presented, presentedCertificate: presentedCertificate)
            // The method's facts, under the keys the pipeline set itself (bot_instance_id, bot_generation), which win.
            record.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { pipeline, _ in pipeline }
            await recordOutcome(record, effects: effects, failure: nil)
            JoinMetrics.recordAttempt(method: methods.metricLabel(for: record.method), succeeded: true,
                                      duration: started.duration(to: .now))
        } catch {
            record.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { pipeline, _ in pipeline }
            let reason: String
            var answer: any Error = error
            if let refusal = error as? ConcealedRefusal {
                reason = refusal.auditReason
                answer = refusal.answer
            } else if let error = error as? JoinError {
                reason = error.message
            } else if error is CancellationError {
                reason = "join attempt timed out or was aborted"
            } else {
                reason = "join attempt timed out or was aborted: \(String(describing: type(of: error)))"
            }
            await recordOutcome(record, effects: effects, failure: reason)
            JoinMetrics.recordAttempt(method: methods.metricLabel(for: record.method), succeeded: false,
                                      duration: started.duration(to: .now))
            if let received = progress.clientInitReceived, ConcealedRefusal.concealsTokenExistence(answer) {
                try? await Task.sleep(until: received + ConcealedRefusal.minimumDelay, clock: .continuous)
            }
            throw answer
        }
        // The certificates leave only once the join is committed and audited: a crash (or a
        // broken stream) may cost the client its answer, never the record of what it holds.
        try await stream.send(response)
    }

    /// What `join` has got so far that `run` needs when the attempt ends.
    private struct AttemptProgress {
        /// The attempt's place under the concurrent-stream cap, given back when it ends.
        var slot: ConcurrentJoinLimiter.Slot?
        /// When `ClientInit` arrived: token refusals are timed from here.
        var clientInitReceived: ContinuousClock.Instant?
    }

    private func join(_ stream: any JoinStream, record: inout JoinAuditRecord, progress: inout AttemptProgress,
                      facts: AttemptFacts, effects: AttemptEffects, presented: PeerIdentity?,
                      presentedCertificate: Certificate?) async throws -> Joinery_V1_JoinResponse {
        guard let first = try await stream.receive() else {
            throw JoinError.badParameter("the client closed the stream before sending ClientInit")
        }
        progress.clientInitReceived = .now
        guard case .clientInit(let message)? = first.payload else {
            throw JoinError.badParameter("the first join message must be ClientInit")
        }
        record.tokenName = SafeName.mask(message.tokenName)
        record.role = UntrustedString.sanitize(message.systemRole)
        record.method = UntrustedString.sanitize(message.joinMethod)
        // Through a Proxy Service the client is the one the proxy names, and the proxy's own
        // certificate says nothing about it.
        var caller = presentedBot(presented)
        if let client = try ProxyForwarding.clientAddress(
            of: message, presentedCertificate: presentedCertificate, authorities: authorities, now: clock.now) {
            record.forwardedBy = record.remoteAddress
            record.remoteAddress = client
            caller = nil
            try await checkForwardingProxyLocks(presented)
        }
        // Now the client's address is known, forwarded or not: a proxy's stream takes its place
        // under the client's cap here, before the rate limiter spends the client's budget.
        if progress.slot == nil {
            progress.slot = try enterConcurrencyCap(from: record.remoteAddress, requestedMethod: message.joinMethod)
        }
        guard message.methodPayload.count <= JoinPipeline.maximumPayloadBytes else {
            throw JoinError.badParameter("method payload is \(message.methodPayload.count) bytes; the limit is \(JoinPipeline.maximumPayloadBytes)")
        }
        let request = try JoinRequest(message)
        record.nodeName = request.displayName
        record.role = request.role.rawValue

        do {
            try limiter.admit(address: HostCertificateNames.host(of: record.remoteAddress))
        } catch {
            JoinMetrics.recordRateLimited(method: methods.metricLabel(for: request.requestedMethod))
            throw error
        }

        // Asking for a role no join yields needs no token to refuse, and reveals nothing about any.
        try RoleAuthorization.checkRequestable(request.role)
        let found = try await tokens.findForJoin(name: request.tokenName)
        guard let method = methods.method(named: found.token.spec.joinMethod) else {
            throw ConcealedRefusal.tokenExpiredOrNotFound(because:
                "the token's join method \(UntrustedString.sanitize(found.token.spec.joinMethod)) is not enabled on this Auth server")
        }
        record.method = method.name
        record.tokenName = tokens.displayName(found.token)
        // The client is answered as if the token did not exist: only a holder of the token may
        // learn its method (see ConcealedRefusal); the audit event says what happened.
        if !request.requestedMethod.isEmpty && !method.accepts(requestedMethod: request.requestedMethod) {
            throw ConcealedRefusal.tokenExpiredOrNotFound(because:
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
            effects: effects, keyBinding: request.keyBinding)
        let exchange = StreamChallengeExchange(stream: stream, maximumPayloadBytes: JoinPipeline.maximumPayloadBytes)
        let attestation = try await method.attest(attempt, over: exchange)
        let botChoice = attestation.bot?.instance ?? .automatic

        // Locks are consulted only once the client has proved itself (spec §8.6), so an
        // unauthenticated caller can neither probe them nor trigger them.
        var lockTargets: [LockTarget] = [.joinToken(found.token.metadata.name)]
        if let attemptCaller { lockTargets.append(.botInstanceID(attemptCaller.instanceID)) }
        if case .new(let previous?) = botChoice { lockTargets.append(.botInstanceID(previous)) }
        if case .host = request.subject, let hostID = attestation.hostID { lockTargets.append(.serverID(hostID)) }
        // An authenticated caller (not a forwarding proxy, checked above) is held to its locks
        // here as on every other call.
        if record.forwardedBy == nil, let presented { lockTargets += presented.lockTargets }
        if let lock = try await locks.firstLock(targeting: lockTargets) {
            throw JoinError.accessDenied(lock.refusal(targetDisplay: lockDisplay(lock.target, token: found.token)))
        }

        var result = Joinery_V1_JoinResult()
        let committedToken: ProvisionToken?
        let commit: CommitContext
        switch request.subject {
        case .host(let nodeName, let additionalPrincipals, let dnsNames):
            let hostID = attestation.hostID ?? UUID().uuidString.lowercased()
            commit = CommitContext(botInstanceID: nil, now: clock.now)
            committedToken = try await tokens.commit(attestation.tokenChange, for: found, context: commit)
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
                choice: botChoice, caller: attemptCaller, botName: botName,
                tokenName: tokens.displayName(found.token), joinMethod: method.name, remoteAddress: record.remoteAddress,
                renewable: attestation.bot?.renewable ?? false, requestedExpiry: requestedExpiry)
            record.attributes["bot_instance_id"] = plan.instanceID
            do {
                try await botIssuance.check(plan)
                commit = CommitContext(botInstanceID: plan.instanceID, now: clock.now)
                committedToken = try await tokens.commit(attestation.tokenChange, for: found, context: commit)
                let issued = try await botIssuance.issue(plan, sshPublicKey: request.sshPublicKey, tlsPublicKey: request.tlsPublicKey)
                record.attributes["bot_generation"] = String(issued.generation)
                result.certificates = issued.certificates
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
        result.methodResult = try attestation.methodResult?(committedToken, commit) ?? Data()
        var response = Joinery_V1_JoinResponse()
        response.result = result
        return response
    }

    /// Refuses a join forwarded by a locked Proxy Service (its host ID or role Proxy). The
    /// client behind the proxy is told only that the proxy is locked; the audit event keeps
    /// the lock and its message.
    private func checkForwardingProxyLocks(_ proxy: PeerIdentity?) async throws {
        guard let proxy, let lock = try await CallerLocks(locks: locks).lock(on: proxy) else { return }
        throw ConcealedRefusal(
            answer: .accessDenied("the Proxy Service that forwarded this join is locked and may not forward joins; contact the cluster's administrator"),
            auditReason: "the forwarding Proxy Service is locked: \(CallerLocks.refusal(lock))")
    }

    /// How a lock's target is named in a refusal: a token whose name is its secret is masked.
    private func lockDisplay(_ target: LockTarget, token: ProvisionToken) -> String {
        if case .joinToken = target { return tokens.displayName(token) }
        return UntrustedString.sanitize(target.value)
    }

    /// The bot identity of a presented certificate, when it is a current bot certificate of
    /// this cluster; anything else (a throwaway certificate, an expired one) is no identity.
    private func presentedBot(_ identity: PeerIdentity?) -> BotCaller? {
        guard let identity, identity.role == .bot, let bot = identity.bot, !bot.instanceID.isEmpty else { return nil }
        return BotCaller(botName: bot.name, instanceID: bot.instanceID, generation: bot.generation)
    }

    /// Takes the attempt's place under the concurrent-stream cap of `address`'s host; a refusal
    /// counts as rate limited in ``JoinMetrics``.
    private func enterConcurrencyCap(from address: String, requestedMethod: String) throws -> ConcurrentJoinLimiter.Slot {
        do {
            return try concurrency.enter(host: HostCertificateNames.host(of: address))
        } catch {
            JoinMetrics.recordRateLimited(method: methods.metricLabel(for: requestedMethod))
            throw error
        }
    }

    /// How many join streams from `host` are open now (see ``ConcurrentJoinLimiter``).
    public func openJoinStreams(from host: String) -> Int {
        concurrency.openStreams(from: host)
    }

    /// Applies the attempt's effects and writes its audit event, to the end even when the
    /// attempt's task was cancelled (its deadline passed, the transport reset the stream): the
    /// backend refuses work from a cancelled task, and the event of a cut-off attempt is the one
    /// most worth keeping. The task is awaited at once, so it never outlives the attempt.
    private func recordOutcome(_ record: JoinAuditRecord, effects: AttemptEffects, failure: String?) async {
        let pipeline = self
        await Task {
            await pipeline.apply(effects, record: record, joinFailure: failure)
            await pipeline.audit.record(record, at: pipeline.clock.now, failure: failure)
        }.value
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
