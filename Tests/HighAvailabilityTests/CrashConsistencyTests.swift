import Agent
import BoundKeypairJoin
import Foundation
import JoinCore
import Server
import TestSupport
import X509
import XCTest

/// A real `teleport start` Auth server is SIGKILLed two or three times at random moments while
/// a storm of in-process clients joins through it, restarted on the same state each time, and
/// the state is then checked against what the clients hold:
///
/// - every client that received certificates is on record: its join has a success audit
///   event (hosts: the host ID in the certificate; bots: the instance and generation), and a
///   bot's instance exists;
/// - a single-use bot token gave certificates to at most one client and is gone;
/// - a bound-keypair token's `recovery_count` and the bot instance's generation equal what the
///   bot holds, except that each may be one ahead when an attempt after the bot's last answer
///   went unanswered and could have been committed (defined in ``verifyKeypairBots``);
/// - the SQLite file passes `PRAGMA integrity_check` after every kill.
///
/// Once for each backend: SQLite in `data_dir`, and PostgreSQL.
final class CrashConsistencyTests: XCTestCase {
    private var auth: CrashableAuthServer?
    private var postgres: PostgresServer?

    override func tearDown() async throws {
        await auth?.stop()
        auth?.removeFiles()
        postgres?.stop()
    }

    func testKillingTheSQLiteAuthServerDuringAJoinStormLosesNoIssuedIdentity() async throws {
        try await killDuringStorm(.sqlite, name: "sqlite")
    }

    func testKillingThePostgreSQLAuthServerDuringAJoinStormLosesNoIssuedIdentity() async throws {
        let postgres = try PostgresServer()
        self.postgres = postgres
        try await killDuringStorm(.postgresql(connString: try await postgres.createDatabase()), name: "postgresql")
    }

    // MARK: The storm

    private func killDuringStorm(_ storage: CrashableAuthServer.Storage, name: String) async throws {
        let started = ContinuousClock.now
        let random = SeededRandom.forTest("CrashConsistencyTests.\(name)")
        let auth = try CrashableAuthServer(storage: storage, name: name)
        self.auth = auth
        let plan = try await auth.withState { try await StormPlan.create(in: $0, random: random) }
        try await auth.start()

        let attempts = StormAttempts(deadline: .now + .seconds(40))
        let clients = StormClients(address: auth.address, pins: auth.pins, attempts: attempts, random: random,
                                   scratch: auth.directory.appendingPathComponent("clients"))
        async let storm = clients.run(plan)
        let kills: [String]
        do {
            kills = try await killRepeatedly(auth, random: random, attempts: attempts)
        } catch {
            attempts.abort()
            _ = await storm
            throw error
        }
        attempts.endStorm()
        let records = await storm
        await auth.stop()
        if case .sqlite = storage {
            XCTAssertEqual(try auth.sqliteIntegrity(crashImage: false), "ok", "PRAGMA integrity_check after the last stop")
        }

        try await auth.withState { cluster in
            let successes = try await cluster.backend.auditEvents(limit: 1_000_000).filter(\.success)
            try verifyNodes(records.nodes, successes: successes, authorities: cluster.server.authorities)
            try await verifyTokenBots(records.racers, plan: plan, cluster: cluster, successes: successes)
            try await verifyKeypairBots(records.keypairBots, cluster: cluster, successes: successes)
        }
        let nodeJoins = records.nodes.reduce(0) { $0 + $1.identities.count }
        let won = records.racers.filter { $0.identity != nil }.count
        let keypairBots = records.keypairBots.map(Self.summary).joined(separator: ", ")
        print("""
            \(name): \(kills.count) kills (\(kills.joined(separator: "; "))); \(nodeJoins) node joins, \
            \(won) of \(plan.tokenBots.count) single-use tokens won by \(records.racers.count) racers, \
            keypair bots [\(keypairBots)], \(attempts.unanswered) unanswered attempts; \(started.duration(to: .now))
            """)
    }

    /// Kills the Auth server 2–3 times at random moments, checks the SQLite file while it is
    /// down, and restarts it. Returns one line per kill.
    private func killRepeatedly(_ auth: CrashableAuthServer, random: SeededRandom, attempts: StormAttempts) async throws -> [String] {
        var reports: [String] = []
        for round in 1...random.int(in: 2...3) {
            try await Task.sleep(for: random.milliseconds(in: 300...1500))
            let inFlight = attempts.inFlight
            let status = await auth.killAbruptly()
            XCTAssertEqual(status, 128 + 9, "the Auth server died of SIGKILL")
            var report = "\(inFlight) in flight"
            if case .sqlite = auth.storage {
                let integrity = try auth.sqliteIntegrity(crashImage: true)
                XCTAssertEqual(integrity, "ok", "PRAGMA integrity_check after kill \(round)")
                report += ", integrity \(integrity)"
            }
            let down = random.int(in: 0...300)
            try await Task.sleep(for: .milliseconds(down))
            try await auth.start()
            reports.append(report + ", down \(down) ms")
        }
        return reports
    }

    // MARK: Invariants

    /// Every node certificate chains to the cluster's CA, and the host ID in it has exactly one
    /// successful `instance.join` event. The multi-use token is never refused.
    private func verifyNodes(_ workers: [NodeWorkerRecord], successes: [AuditEvent], authorities: ClusterAuthorities) throws {
        let audited = Dictionary(grouping: successes.filter { $0.type == "instance.join" }, by: \.hostID).mapValues(\.count)
        var unaudited: [String] = []
        for identity in workers.flatMap(\.identities) {
            let peer = try authorities.authenticate(try Certificate(pemEncoded: identity.tlsCertificate), now: Date())
            XCTAssertEqual(peer.hostID, identity.hostID)
            if audited[peer.hostID] != 1 { unaudited.append("\(peer.hostID) (\(audited[peer.hostID] ?? 0) events)") }
        }
        XCTAssertEqual(unaudited, [], "hosts holding certificates whose join is not audited exactly once")
        XCTAssertEqual(workers.flatMap(\.refusals), [], "the multi-use node token was refused")
        XCTAssertGreaterThan(workers.map(\.identities.count).reduce(0, +), 0)
    }

    /// For each single-use bot token: at most one client holds certificates, the token is gone,
    /// and the winner's instance exists at generation 1 with an audited join. When nobody won,
    /// the token went to an attempt whose answer was lost.
    private func verifyTokenBots(_ racers: [TokenRacerRecord], plan: StormPlan, cluster: TestCluster,
                                 successes: [AuditEvent]) async throws {
        let byToken = Dictionary(grouping: racers, by: \.token)
        for bot in plan.tokenBots {
            let racers = byToken[bot.token] ?? []
            let winners = racers.compactMap(\.identity)
            XCTAssertLessThanOrEqual(winners.count, 1, "\(bot.botName)'s single-use token gave certificates to \(winners.count) clients")
            XCTAssertTrue(racers.allSatisfy(\.finished), "\(bot.botName): a racer got no answer before the deadline")
            let token = try await cluster.backend.get("/tokens/\(bot.token)")
            XCTAssertNil(token, "\(bot.botName)'s single-use token is still there")
            let instances = try await cluster.server.botInstances.list(botName: bot.botName)
            XCTAssertLessThanOrEqual(instances.count, 1, "\(bot.botName) has \(instances.count) instances from one token")
            guard let winner = winners.first else {
                XCTAssertTrue(racers.contains { $0.unanswered > 0 }, "\(bot.botName)'s token was used, but not by an unanswered attempt")
                for racer in racers where racer.refusal != nil {
                    XCTAssertEqual(racer.refusal, JoinError.tokenExpiredOrNotFound.message, bot.botName)
                }
                continue
            }
            let peer = try cluster.server.authorities.authenticate(try Certificate(pemEncoded: winner.tlsCertificatePEM), now: Date())
            XCTAssertEqual(peer.bot?.name, bot.botName)
            XCTAssertEqual(peer.bot?.instanceID, winner.instanceID)
            XCTAssertEqual(peer.bot?.generation, 1)
            XCTAssertEqual(instances.map(\.instanceID), [winner.instanceID], "\(bot.botName)'s winner has its bot instance")
            XCTAssertEqual(instances.first?.generation, 1)
            XCTAssertTrue(successes.contains { $0.type == "bot.join" && $0.attributes["bot_instance_id"] == winner.instanceID },
                          "\(bot.botName)'s winning join (instance \(winner.instanceID)) is not audited")
        }
    }

    /// For each bound-keypair bot, with `q` the recovery sequence of the join state it holds
    /// (0 before its first join) and `g` the generation of its certificates:
    ///
    /// - its certificates chain to the cluster and name its instance and generation; its join
    ///   state names the same instance, and `q` counts its joins that consumed a recovery;
    /// - the token's `recovery_count` is `q`, or `q + 1` only if an onboarding or recovery
    ///   attempt after its last answer went unanswered (at most one such attempt can commit:
    ///   once one does, the bot's join state is stale and every later attempt is refused);
    /// - the token is bound to the bot's instance exactly when the count is `q`;
    /// - the instance's stored generation is `g`, or `g + 1` only if a re-join after its last
    ///   answer went unanswered — never behind;
    /// - every join that returned certificates has a success `bot.join` event for its instance
    ///   and generation;
    /// - the Auth server refuses this honest bot only after an unanswered attempt that was
    ///   in fact committed.
    private func verifyKeypairBots(_ bots: [KeypairBotRecord], cluster: TestCluster, successes: [AuditEvent]) async throws {
        for bot in bots {
            let status = try BoundKeypairStatus(of: try await cluster.server.tokens.get(name: bot.token).token)
            let held = bot.heldRecoverySequence
            let pending = bot.unansweredSinceLastJoin
            let recoveryMayBeAhead = pending.contains { $0.consumesRecovery }
            let rejoinMayBeAhead = pending.contains(.rejoin)
            let name = bot.botName
            XCTAssertNil(bot.unfinished, "\(name): a \(bot.unfinished?.rawValue ?? "") was never answered")
            XCTAssertEqual(held, UInt32(bot.joins.filter { $0.step.consumesRecovery }.count), "\(name): the join state counts its recoveries")
            XCTAssertTrue(status.recoveryCount == held || (recoveryMayBeAhead && status.recoveryCount == held + 1),
                          "\(name): recovery_count \(status.recoveryCount), the bot holds \(held), unanswered since: \(pending)")
            var committedUnanswered = status.recoveryCount == held + 1
            let audited = Set(successes.filter { $0.type == "bot.join" }.map { event -> String in
                (event.attributes["bot_instance_id"] ?? "") + "#" + (event.attributes["bot_generation"] ?? "")
            })
            for join in bot.joins where !audited.contains(join.identity.instanceID + "#" + String(join.identity.generation)) {
                XCTFail("\(name): its \(join.step.rawValue) to generation \(join.identity.generation) of \(join.identity.instanceID) is not audited")
            }
            if let last = bot.joins.last {
                let identity = last.identity
                let peer = try cluster.server.authorities.authenticate(try Certificate(pemEncoded: identity.tlsCertificatePEM), now: Date())
                XCTAssertEqual(peer.bot?.name, name)
                XCTAssertEqual(peer.bot?.instanceID, identity.instanceID)
                XCTAssertEqual(peer.bot?.generation, identity.generation)
                XCTAssertEqual(last.joinStateInstanceID, identity.instanceID, "\(name): the join state names the instance it holds")
                if status.recoveryCount == held {
                    XCTAssertEqual(status.boundBotInstanceID, identity.instanceID, "\(name): the token is bound to the instance it holds")
                } else {
                    XCTAssertNotEqual(status.boundBotInstanceID, identity.instanceID, "\(name): a committed recovery binds a new instance")
                }
                let instance = try await cluster.server.botInstances.get(botName: name, instanceID: identity.instanceID)
                let stored: UInt64 = try XCTUnwrap(instance, "\(name): the instance it holds certificates for is gone").generation
                XCTAssertTrue(stored == identity.generation || (rejoinMayBeAhead && stored == identity.generation + 1),
                              "\(name): stored generation \(stored), the bot holds \(identity.generation), unanswered since: \(pending)")
                committedUnanswered = committedUnanswered || stored == identity.generation + 1
            }
            if let refusal = bot.refusal {
                XCTAssertTrue(committedUnanswered,
                              "\(name) was refused (\(refusal.message)) on a \(refusal.step.rawValue) without a committed unanswered attempt before")
            }
        }
    }

    private static func summary(_ bot: KeypairBotRecord) -> String {
        // o: onboarding, j: re-join, r: recovery.
        let steps = bot.joins.map { $0.step == .onboard ? "o" : $0.step == .rejoin ? "j" : "r" }.joined()
        return steps + (bot.refusal.map { " refused after unanswered \(bot.unansweredSinceLastJoin.map(\.rawValue)): \($0.message)" } ?? "")
    }
}
