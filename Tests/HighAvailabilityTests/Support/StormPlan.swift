import Agent
import Foundation
import JoinCore
import Server
import TestSupport

/// What a join storm's clients join with, created in the cluster state before the Auth server
/// first starts: a multi-use node token, one single-use bot token per would-be bot (raced by
/// one to three clients), and bound-keypair tokens onboarded with a registration secret.
struct StormPlan: Sendable {
    /// A single-use `token`-method bot token and the clients that race for it.
    struct TokenBot: Sendable {
        var botName: String
        var token: String
        var racers: Int
        /// When its racers start, from the start of the storm.
        var startDelay: Duration
    }

    /// A bound-keypair bot: its token (relaxed recovery) and the secret it onboards with.
    struct KeypairBot: Sendable {
        var botName: String
        var token: String
        var registrationSecret: String
    }

    var nodeToken: String
    var nodeWorkers: Int
    var tokenBots: [TokenBot]
    var keypairBots: [KeypairBot]

    static func create(in cluster: TestCluster, random: SeededRandom, nodeWorkers: Int = 3, tokenBots: Int = 12,
                       keypairBots: Int = 3) async throws -> StormPlan {
        let nodeToken = random.hex()
        try await cluster.addToken(nodeToken, roles: [.node], ttl: 3600)
        var bots: [TokenBot] = []
        for index in 0..<tokenBots {
            let bot = TokenBot(botName: "token-bot-\(index)", token: random.hex(), racers: random.int(in: 1...3),
                               startDelay: random.milliseconds(in: 0...4000))
            try await cluster.addToken(bot.token, roles: [.bot], botName: bot.botName, ttl: 3600)
            bots.append(bot)
        }
        var keypairs: [KeypairBot] = []
        for index in 0..<keypairBots {
            let name = "keypair-bot-\(index)"
            try await cluster.addBot(name)
            var token = ProvisionToken(name: "keypair-token-\(index)", roles: [.bot], joinMethod: "bound_keypair")
            token.spec.botName = name
            token.spec.methodSections["bound_keypair"] = .object(["recovery": .object(["mode": .string("relaxed")])])
            let created = try await cluster.server.tokens.create(token, upsert: false)
            guard let secret = created.status?["bound_keypair"]?["registration_secret"]?.stringValue else {
                throw TestFailure("the bound-keypair token \(token.metadata.name) got no registration secret")
            }
            keypairs.append(KeypairBot(botName: name, token: token.metadata.name, registrationSecret: secret))
        }
        return StormPlan(nodeToken: nodeToken, nodeWorkers: nodeWorkers, tokenBots: bots, keypairBots: keypairs)
    }
}

/// What one node worker got: every identity a join returned, and the refusals.
struct NodeWorkerRecord: Sendable {
    var identities: [Identity] = []
    var refusals: [String] = []
}

/// One client racing for a single-use bot token.
struct TokenRacerRecord: Sendable {
    var token: String
    var botName: String
    var identity: BotIdentity?
    var refusal: String?
    var unanswered = 0
    /// Whether the Auth server answered it for good (certificates or a refusal).
    var finished: Bool { identity != nil || refusal != nil }
}

/// One bound-keypair bot's life in the storm: what it holds after each join that returned
/// certificates, and what happened since the last one.
struct KeypairBotRecord: Sendable {
    enum Step: String, Sendable {
        /// The first join, with the registration secret.
        case onboard
        /// A re-join presenting the current certificates: the instance continues, generation + 1.
        case rejoin
        /// A join without certificates: a new instance, one more recovery.
        case recover

        var consumesRecovery: Bool { self != .rejoin }
    }

    struct Join: Sendable {
        var step: Step
        var identity: BotIdentity
        /// `recovery_sequence` and `bot_instance_id` of the join state the bot stored.
        var recoverySequence: UInt32?
        var joinStateInstanceID: String?
    }

    struct Refusal: Sendable {
        var step: Step
        var message: String
    }

    var botName: String
    var token: String
    var joins: [Join] = []
    /// Attempts after the last join that returned certificates and got no answer: the only
    /// ones that may have changed the token or the instance without the bot knowing.
    var unansweredSinceLastJoin: [Step] = []
    var refusal: Refusal?
    /// A step still unanswered when the storm's deadline came.
    var unfinished: Step?

    /// The recovery sequence the bot holds: that of its newest join state, 0 before any.
    var heldRecoverySequence: UInt32 { joins.last?.recoverySequence ?? 0 }
}

/// Everything the storm's clients recorded.
struct StormRecords: Sendable {
    var nodes: [NodeWorkerRecord]
    var racers: [TokenRacerRecord]
    var keypairBots: [KeypairBotRecord]
}
