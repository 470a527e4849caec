import Agent
import BoundKeypairJoin
import Foundation
import JoinCore
import Logging
import Transport

/// The clients of a join storm, in this process, over real gRPC and TLS to the Auth server
/// under test: node workers joining again and again with the multi-use token, racers for the
/// single-use bot tokens, and bound-keypair bots onboarding, re-joining and recovering.
///
/// Each client retries what got no answer (the server was killed) until the Auth server
/// answers or the deadline passes, and records exactly which attempts returned certificates.
/// Once ``StormAttempts/endStorm()`` is called, node workers and keypair bots join twice more
/// (against the last restarted server) and stop.
struct StormClients: Sendable {
    let address: AuthAddress
    let pins: [CAPin]
    let attempts: StormAttempts
    let random: SeededRandom
    /// Where the keypair bots keep their storage.
    let scratch: URL

    private static let logger = Logger(label: "crash-storm", factory: { _ in SwiftLogNoOpLogHandler() })

    func run(_ plan: StormPlan) async -> StormRecords {
        async let nodes = withTaskGroup(of: NodeWorkerRecord.self, returning: [NodeWorkerRecord].self) { group in
            for worker in 0..<plan.nodeWorkers {
                group.addTask { await nodeWorker(worker, token: plan.nodeToken) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        async let racers = withTaskGroup(of: TokenRacerRecord.self, returning: [TokenRacerRecord].self) { group in
            for bot in plan.tokenBots {
                for _ in 0..<bot.racers {
                    let jitter = random.milliseconds(in: 0...20)
                    group.addTask { await racer(bot, startingAfter: bot.startDelay + jitter) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        async let keypairBots = withTaskGroup(of: KeypairBotRecord.self, returning: [KeypairBotRecord].self) { group in
            for bot in plan.keypairBots {
                group.addTask { await keypairBot(bot) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        return await StormRecords(nodes: nodes, racers: racers, keypairBots: keypairBots)
    }

    private func pause() async {
        try? await Task.sleep(for: random.milliseconds(in: 50...200))
    }

    // MARK: Nodes

    private func nodeWorker(_ worker: Int, token: String) async -> NodeWorkerRecord {
        var record = NodeWorkerRecord()
        let client = JoinClient(registry: CrashableAuthServer.registry, logger: Self.logger)
        var joinsAfterStorm = 0
        while joinsAfterStorm < 2 && !attempts.mustStop {
            let parameters = JoinParameters(authServer: address, tokenName: token, method: "token", role: .node,
                                            nodeName: "storm-node-\(worker)-\(record.identities.count)", caPins: pins)
            let stormWasOver = attempts.stormIsOver
            switch await attempts.run({ try await client.join(parameters) }) {
            case .certificates(let identity):
                record.identities.append(identity)
                if stormWasOver { joinsAfterStorm += 1 }
                try? await Task.sleep(for: random.milliseconds(in: 0...40))
            case .refused(let error):
                record.refusals.append(error.message)
                await pause()
            case .deferred, .unanswered:
                await pause()
            }
        }
        return record
    }

    // MARK: Single-use bot tokens

    private func racer(_ bot: StormPlan.TokenBot, startingAfter delay: Duration) async -> TokenRacerRecord {
        try? await Task.sleep(for: delay)
        var record = TokenRacerRecord(token: bot.token, botName: bot.botName)
        let client = JoinClient(registry: CrashableAuthServer.registry, logger: Self.logger)
        let parameters = JoinParameters(authServer: address, tokenName: bot.token, method: "token", role: .bot,
                                        nodeName: "", caPins: pins)
        while !attempts.mustStop {
            switch await attempts.run({ try await client.joinBot(parameters) }) {
            case .certificates(let identity):
                record.identity = identity
                return record
            case .refused(let error):
                record.refusal = error.message
                return record
            case .deferred:
                await pause()
            case .unanswered:
                record.unanswered += 1
                await pause()
            }
        }
        return record
    }

    // MARK: Bound-keypair bots

    private func keypairBot(_ bot: StormPlan.KeypairBot) async -> KeypairBotRecord {
        var record = KeypairBotRecord(botName: bot.botName, token: bot.token)
        let storage = scratch.appendingPathComponent(bot.botName)
        try? FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        // The secret is only sent while the bot has no join state (the first join, or its retries).
        let client = JoinClient(
            registry: CrashableAuthServer.registry, logger: Self.logger,
            proverContext: ProverContext(logger: Self.logger, joinParams: .object(["bound_keypair": .object(["registration_secret": .string(bot.registrationSecret)])]),
                                         dataDirectory: storage))
        let parameters = JoinParameters(authServer: address, tokenName: bot.token, method: "bound_keypair", role: .bot,
                                        nodeName: "", caPins: pins)
        var joinsAfterStorm = 0
        while joinsAfterStorm < 2 && record.joins.count < 60 && !attempts.mustStop {
            let step: KeypairBotRecord.Step = record.joins.isEmpty ? .onboard : (random.chance(0.5) ? .rejoin : .recover)
            let stormWasOver = attempts.stormIsOver
            guard await perform(step, client: client, parameters: parameters, storage: storage, record: &record) else { break }
            if stormWasOver { joinsAfterStorm += 1 }
        }
        return record
    }

    /// Runs `step` until the Auth server answers it; false when it was refused or the deadline came.
    private func perform(_ step: KeypairBotRecord.Step, client: JoinClient, parameters: JoinParameters, storage: URL,
                         record: inout KeypairBotRecord) async -> Bool {
        let presenting = step == .rejoin ? record.joins.last?.identity : nil
        while !attempts.mustStop {
            switch await attempts.run({ try await client.joinBot(parameters, presenting: presenting) }) {
            case .certificates(let identity):
                let state = (try? BoundKeypairClientState.load(directory: storage))?.joinState
                let claims = state.flatMap(Self.claims(ofJoinState:))
                record.joins.append(.init(step: step, identity: identity,
                                          recoverySequence: (claims?["recovery_sequence"] as? NSNumber)?.uint32Value,
                                          joinStateInstanceID: claims?["bot_instance_id"] as? String))
                record.unansweredSinceLastJoin = []
                return true
            case .refused(let error):
                record.refusal = .init(step: step, message: error.message)
                return false
            case .deferred:
                await pause()
            case .unanswered:
                record.unansweredSinceLastJoin.append(step)
                await pause()
            }
        }
        record.unfinished = step
        return false
    }

    /// The claims of a compact JWS join state, unverified (the bot reads what it was given).
    static func claims(ofJoinState jws: String) -> [String: Any]? {
        let parts = jws.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
