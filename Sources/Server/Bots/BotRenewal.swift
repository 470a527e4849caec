import Foundation
import JoinCore
import Logging

/// Renews a token-method bot's certificates (spec §2.5): the caller's current renewable
/// certificate is the proof, locks on its instance are honoured, and the generation it presents
/// must be the stored one — otherwise the instance is locked as a copied identity (spec §8.7).
public struct BotRenewal: Sendable {
    let bots: BotStore
    let issuance: BotIssuance
    let locks: LockStore
    let audit: AuditLog
    let clock: any JoinClock

    init(bots: BotStore, issuance: BotIssuance, locks: LockStore, audit: AuditLog, clock: any JoinClock) {
        self.bots = bots
        self.issuance = issuance
        self.locks = locks
        self.audit = audit
        self.clock = clock
    }

    /// Issues new certificates to `caller` (already verified) for the given keys.
    func renew(caller: PeerIdentity, sshPublicKey: Data, tlsPublicKey: Data, requestedExpiry: Date?,
               remoteAddress: String) async throws -> IssuedCertificates {
        var record = JoinAuditRecord(remoteAddress: remoteAddress)
        record.role = SystemRole.bot.rawValue
        record.method = "renewal"
        do {
            guard caller.role == .bot, let bot = caller.bot, !bot.instanceID.isEmpty else {
                throw JoinError.accessDenied("only bot certificates can be renewed here")
            }
            record.nodeName = UntrustedString.sanitize(bot.name)
            record.attributes = ["bot_instance_id": bot.instanceID, "presented_generation": String(bot.generation)]
            guard bot.renewable else {
                throw JoinError.accessDenied("these bot certificates are not renewable; the bot must join again with its join method")
            }
            let keys = try JoinerPublicKeys(sshWire: sshPublicKey, tlsDER: tlsPublicKey)
            _ = try await bots.require(name: bot.name)
            // The same targets as every other authenticated call: the instance and role Bot.
            try await CallerLocks(locks: locks).checked(caller)
            let caller = BotCaller(botName: bot.name, instanceID: bot.instanceID, generation: bot.generation)
            let plan = try issuance.plan(
                choice: .continueCaller(lockOnMismatch: .botInstanceID(bot.instanceID)), caller: caller, botName: bot.name,
                tokenName: "", joinMethod: "renewal", remoteAddress: remoteAddress, renewable: true,
                requestedExpiry: requestedExpiry)
            do {
                try await issuance.check(plan)
                let issued = try await issuance.issue(plan, keys: keys)
                record.attributes["bot_generation"] = String(issued.generation)
                await audit.record(record, at: clock.now, failure: nil, type: "bot.renew")
                return issued.certificates
            } catch let refusal as BotIssuance.GenerationRefusal {
                try await lockCopiedInstance(refusal, bot: bot, record: record)
                throw refusal.error
            }
        } catch {
            await audit.record(record, at: clock.now, failure: (error as? JoinError)?.message ?? "renewal failed", type: "bot.renew")
            throw error
        }
    }

    private func lockCopiedInstance(_ refusal: BotIssuance.GenerationRefusal, bot: PeerIdentity.Bot, record: JoinAuditRecord) async throws {
        guard let target = refusal.lock else { return }
        let lock = try await locks.create(LockResource(
            name: "", target: target,
            message: "the certificate generation of bot \(bot.name) instance \(bot.instanceID) did not match: its identity may have been copied",
            createdAt: clock.now, createdBy: "joinery-auth"), upsert: false)
        await audit.recordEvent(AttemptEffects.Event(
            type: "bot.generation_mismatch", code: "TBG001W", success: false,
            fields: ["bot_name": bot.name, "bot_instance_id": bot.instanceID, "lock_name": lock.name,
                     "stored_generation": refusal.storedGeneration.map(String.init) ?? "none",
                     "presented_generation": String(refusal.presentedGeneration)],
            failure: refusal.error.message), record: record, at: clock.now)
    }
}
