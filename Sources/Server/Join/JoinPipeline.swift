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
        let ledger = JoinAttemptLedger(remoteAddress: remoteAddress)
        let facts = AttemptFacts()
        let effects = AttemptEffects()
        let presented = presentedCertificate.flatMap { try? authorities.authenticate($0, now: clock.now) }
        defer { if let slot = ledger.slot { concurrency.leave(slot) } }
        let response: Joinery_V1_JoinResponse
        do {
            // A direct stream counts against its peer from the start, so a silent one counts
            // too; a proxy's stream counts once ClientInit names its client (see `admit`).
            if !ProxyForwarding.isProxy(presented) {
                ledger.hold(try enterConcurrencyCap(from: remoteAddress, requestedMethod: ""))
            }
            let connection = JoinConnection(remoteAddress: remoteAddress, presented: presented, certificate: presentedCertificate)
            response = try await join(stream, on: connection, ledger: ledger, facts: facts, effects: effects)
            // The method's facts, under the keys the pipeline set itself (bot_instance_id, bot_generation), which win.
            ledger.update { $0.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { pipeline, _ in pipeline } }
            let record = ledger.record
            await recordOutcome(record, effects: effects, failure: nil)
            JoinMetrics.recordAttempt(method: methods.metricLabel(for: record.method), succeeded: true,
                                      duration: started.duration(to: .now))
        } catch {
            ledger.update { $0.attributes.merge(facts.all.mapValues(UntrustedString.sanitizeVerified)) { pipeline, _ in pipeline } }
            let record = ledger.record
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
            if let received = ledger.clientInitReceived, ConcealedRefusal.concealsTokenExistence(answer) {
                try? await Task.sleep(until: received + ConcealedRefusal.minimumDelay, clock: .continuous)
            }
            throw answer
        }
        // The certificates leave only once the join is committed and audited: a crash (or a
        // broken stream) may cost the client its answer, never the record of what it holds.
        try await stream.send(response)
    }

    /// One join, stage by stage (see JoinPipeline+Admission, +Attestation and +Issuance). The
    /// stages fill in the audit record through `ledger` in this order: token, role and method as
    /// sent; the forwarding proxy and the client's address; node name and role as parsed; the
    /// token's method and name; a bot's name; then the host ID, or the bot instance and
    /// generation.
    private func join(_ stream: any JoinStream, on connection: JoinConnection, ledger: JoinAttemptLedger,
                      facts: AttemptFacts, effects: AttemptEffects) async throws -> Joinery_V1_JoinResponse {
        let message = try await receiveClientInit(from: stream, ledger: ledger)
        let origin = try await locateClient(message, on: connection, ledger: ledger)
        let request = try admit(message, from: origin, ledger: ledger)
        let join = try await authorize(request, from: origin, ledger: ledger)
        let attestation = try await attest(join, over: stream, facts: facts, effects: effects)
        try await checkLocks(join, attestation, presented: connection.presented)
        let issued: IssuedJoin
        switch request.subject {
        case .host(let nodeName, let additionalPrincipals, let dnsNames):
            issued = try await issueHost(join, attestation, nodeName: nodeName, additionalPrincipals: additionalPrincipals,
                                         dnsNames: dnsNames, ledger: ledger)
            await recordHostJoin(issued, method: join.method.name, boundLabels: join.found.token.boundLabels)
        case .bot(let requestedExpiry):
            issued = try await issueBot(join, attestation, requestedExpiry: requestedExpiry, effects: effects, ledger: ledger)
        }
        return try answer(issued, attestation)
    }

    /// Takes the attempt's place under the concurrent-stream cap of `address`'s host; a refusal
    /// counts as rate limited in ``JoinMetrics``.
    func enterConcurrencyCap(from address: String, requestedMethod: String) throws -> ConcurrentJoinLimiter.Slot {
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
