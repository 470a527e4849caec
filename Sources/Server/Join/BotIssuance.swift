import Foundation
import JoinCore
import Logging

/// The bot half of issuing certificates (spec §8.7): picks the bot instance a join or renewal
/// continues or starts, holds continuing instances to the generation counter, and signs the
/// bot's user certificates for the instance's new generation.
///
/// Continuing is done in two steps: ``check(_:)`` before anything is committed (so a clone is
/// refused before the token changes), then ``issue(_:)`` advances the counter by
/// compare-and-swap, which catches two clones racing each other.
struct BotIssuance: Sendable {
    let instances: BotInstanceStore
    let authorities: ClusterAuthorities
    let clock: any JoinClock
    let logger: Logger

    /// One decided bot issuance.
    struct Plan: Sendable {
        enum Kind: Sendable {
            case new(previousInstanceID: String?)
            case continuing(presentedGeneration: UInt64, lockOnMismatch: LockTarget?)
        }
        var botName: String
        var instanceID: String
        var kind: Kind
        var tokenName: String
        var joinMethod: String
        var remoteAddress: String
        var renewable: Bool
        var ttl: TimeInterval
    }

    /// A refusal that must also lock something (a cloned identity).
    struct GenerationRefusal: Error {
        var error: JoinError
        var lock: LockTarget?
        var storedGeneration: UInt64?
        var presentedGeneration: UInt64
    }

    /// Decides which instance the join continues or starts.
    func plan(choice: BotInstanceChoice, caller: BotCaller?, botName: String, tokenName: String, joinMethod: String,
              remoteAddress: String, renewable: Bool, requestedExpiry: Date?) throws -> Plan {
        let ttl = try UserCertificateIssuer.effectiveTTL(requestedExpiry.map { $0.timeIntervalSince(clock.now) })
        var plan = Plan(botName: botName, instanceID: UUID().uuidString.lowercased(), kind: .new(previousInstanceID: nil),
                        tokenName: tokenName, joinMethod: joinMethod, remoteAddress: remoteAddress, renewable: renewable, ttl: ttl)
        switch choice {
        case .new(let previous):
            plan.kind = .new(previousInstanceID: previous)
        case .continueCaller(let lockTarget):
            guard let caller else {
                throw JoinError.accessDenied("this join must continue an existing bot identity, but none was presented")
            }
            plan.instanceID = caller.instanceID
            plan.kind = .continuing(presentedGeneration: caller.generation, lockOnMismatch: lockTarget)
        case .automatic:
            if let caller {
                plan.instanceID = caller.instanceID
                plan.kind = .continuing(presentedGeneration: caller.generation, lockOnMismatch: nil)
            }
        }
        return plan
    }

    /// Before committing: a continuing plan's presented generation must match the stored one
    /// when enforced. Throws ``GenerationRefusal``.
    func check(_ plan: Plan) async throws {
        guard case .continuing(let presented, let lock?) = plan.kind else { return }
        let stored = try await instances.get(botName: plan.botName, instanceID: plan.instanceID)
        guard let stored else {
            throw GenerationRefusal(error: missing(plan), lock: lock, storedGeneration: nil, presentedGeneration: presented)
        }
        if stored.generation != presented {
            throw GenerationRefusal(error: mismatch(plan, stored: stored.generation, presented: presented), lock: lock,
                                    storedGeneration: stored.generation, presentedGeneration: presented)
        }
    }

    /// What ``issue(_:keys:)`` hands back: the signed certificates and the
    /// instance's generation they carry.
    struct Issued: Sendable {
        var certificates: IssuedCertificates
        var generation: UInt64
    }

    /// Records the authentication and signs the certificates.
    func issue(_ plan: Plan, keys: JoinerPublicKeys) async throws -> Issued {
        let now = clock.now
        let expires = now + plan.ttl
        let generation: UInt64
        switch plan.kind {
        case .new(let previous):
            let instance = try await instances.create(
                botName: plan.botName, tokenName: plan.tokenName, joinMethod: plan.joinMethod, previousInstanceID: previous,
                remoteAddress: plan.remoteAddress, now: now, certificatesExpire: expires, instanceID: plan.instanceID)
            generation = instance.generation
        case .continuing(let presented, let lock):
            do {
                generation = try await instances.advance(
                    botName: plan.botName, instanceID: plan.instanceID, presentedGeneration: presented, enforce: lock != nil,
                    joinMethod: plan.joinMethod, remoteAddress: plan.remoteAddress, now: now, certificatesExpire: expires).generation
            } catch BotInstanceStore.ContinueFailure.missing {
                if let lock {
                    throw GenerationRefusal(error: missing(plan), lock: lock, storedGeneration: nil, presentedGeneration: presented)
                }
                // Not enforced: a vanished instance is silently replaced (spec §8.7).
                let instance = try await instances.create(
                    botName: plan.botName, tokenName: plan.tokenName, joinMethod: plan.joinMethod, previousInstanceID: nil,
                    remoteAddress: plan.remoteAddress, now: now, certificatesExpire: expires, instanceID: plan.instanceID)
                generation = instance.generation
            } catch BotInstanceStore.ContinueFailure.generationMismatch(let stored, let presented) {
                throw GenerationRefusal(error: mismatch(plan, stored: stored, presented: presented), lock: lock,
                                        storedGeneration: stored, presentedGeneration: presented)
            }
            if lock == nil && generation - 1 != presented {
                logger.warning("bot certificate generation mismatch (not enforced for this join method)",
                               metadata: ["bot": "\(plan.botName)", "instance": "\(plan.instanceID)",
                                          "stored": "\(generation - 1)", "presented": "\(presented)"])
            }
        }
        let certificates = try authorities.issueBotCertificates(BotIdentityRequest(
            botName: plan.botName, instanceID: plan.instanceID, generation: generation, keys: keys,
            ttl: plan.ttl, renewable: plan.renewable, now: now))
        return Issued(certificates: certificates, generation: generation)
    }

    private func mismatch(_ plan: Plan, stored: UInt64, presented: UInt64) -> JoinError {
        .accessDenied("cert generation mismatch for bot \(plan.botName)/\(plan.instanceID): stored=\(stored), presented=\(presented)")
    }

    private func missing(_ plan: Plan) -> JoinError {
        .accessDenied("bot instance \(plan.botName)/\(plan.instanceID) no longer exists; the bot must join again")
    }
}
