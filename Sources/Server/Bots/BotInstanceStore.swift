import Foundation
import JoinCore

/// Bot instances under `/bot_instances/<bot>/<instance id>`, and the generation counter check
/// of spec §8.7, decided by compare-and-swap so two renewals with one certificate cannot both
/// advance the counter.
public struct BotInstanceStore: Sendable {
    static let prefix = "/bot_instances/"
    /// How long an instance outlives its newest certificates.
    static let expiryMargin: TimeInterval = 3600

    /// Why continuing an instance failed.
    enum ContinueFailure: Error, Equatable {
        case missing
        case generationMismatch(stored: UInt64, presented: UInt64)
    }

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    private func key(_ botName: String, _ instanceID: String) -> String { Self.prefix + botName + "/" + instanceID }

    /// Starts a new instance at generation 1.
    func create(botName: String, tokenName: String, joinMethod: String, previousInstanceID: String?,
                remoteAddress: String, now: Date, certificatesExpire: Date,
                instanceID: String = UUID().uuidString.lowercased()) async throws -> BotInstance {
        let instance = BotInstance(
            botName: botName, instanceID: instanceID, createdAt: now, tokenName: tokenName,
            joinMethod: joinMethod, previousInstanceID: previousInstanceID,
            authentications: [.init(time: now, generation: 1, joinMethod: joinMethod, remoteAddress: remoteAddress)])
        _ = try await backend.create(key(botName, instance.instanceID), value: try encode(instance),
                                     expires: certificatesExpire + Self.expiryMargin)
        return instance
    }

    /// Advances an existing instance by one generation. With `enforce`, the presented
    /// generation must equal the stored one; without, a mismatch is tolerated (the caller logs
    /// it). Throws ``ContinueFailure``.
    func advance(botName: String, instanceID: String, presentedGeneration: UInt64, enforce: Bool,
                 joinMethod: String, remoteAddress: String, now: Date, certificatesExpire: Date) async throws -> BotInstance {
        for _ in 0..<5 {
            guard let item = try await backend.get(key(botName, instanceID)) else { throw ContinueFailure.missing }
            let stored = try decode(item.value)
            if enforce && stored.generation != presentedGeneration {
                throw ContinueFailure.generationMismatch(stored: stored.generation, presented: presentedGeneration)
            }
            let next = stored.authenticated(at: now, joinMethod: joinMethod, remoteAddress: remoteAddress)
            do {
                _ = try await backend.compareAndSwap(item.key, expectedRevision: item.revision, value: try encode(next),
                                                     expires: certificatesExpire + Self.expiryMargin)
                return next
            } catch let error as JoinError where error.kind == .compareFailed {
                continue  // Someone else advanced it: re-read, and with `enforce` the check above decides.
            }
        }
        throw JoinError.unavailable("the bot instance is being updated concurrently; try again")
    }

    /// Every live instance, optionally of one bot, oldest first.
    public func list(botName: String? = nil) async throws -> [BotInstance] {
        let prefix = botName.map { Self.prefix + $0 + "/" } ?? Self.prefix
        return try await backend.range(prefix: prefix).compactMap { try? decode($0.value) }.sorted { $0.createdAt < $1.createdAt }
    }

    public func get(botName: String, instanceID: String) async throws -> BotInstance? {
        try await backend.get(key(botName, instanceID)).map { try decode($0.value) }
    }

    private func encode(_ instance: BotInstance) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(instance)
    }

    private func decode(_ data: Data) throws -> BotInstance {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(BotInstance.self, from: data)
        } catch {
            throw JoinError.internalError("a stored bot instance could not be read: \(DecodingErrorDescription.describe(error))")
        }
    }
}
