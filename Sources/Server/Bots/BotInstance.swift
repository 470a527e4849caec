import Foundation
import JoinCore

/// One running copy of a bot (spec §8.7): created by a fresh join, continued by renewals and
/// authenticated re-joins. Its authentication history's newest generation is the generation
/// the bot's current certificates carry.
public struct BotInstance: Sendable, Equatable, Codable {
    /// One join or renewal that issued certificates to this instance.
    public struct Authentication: Sendable, Equatable, Codable {
        public var time: Date
        public var generation: UInt64
        public var joinMethod: String
        public var remoteAddress: String

        enum CodingKeys: String, CodingKey {
            case time, generation, joinMethod = "join_method", remoteAddress = "remote_address"
        }
    }

    /// How many authentications an instance remembers.
    public static let historyLimit = 10

    public var botName: String
    public var instanceID: String
    public var createdAt: Date
    /// The token the instance first joined with (masked when the name is the secret).
    public var tokenName: String
    public var joinMethod: String
    /// The instance this one replaced (a bound-keypair recovery).
    public var previousInstanceID: String?
    /// Newest last.
    public var authentications: [Authentication]

    public var generation: UInt64 { authentications.last?.generation ?? 0 }

    enum CodingKeys: String, CodingKey {
        case botName = "bot_name", instanceID = "instance_id", createdAt = "created_at", tokenName = "token_name"
        case joinMethod = "join_method", previousInstanceID = "previous_instance_id", authentications
    }

    /// The instance after one more authentication.
    func authenticated(at time: Date, joinMethod: String, remoteAddress: String) -> BotInstance {
        var next = self
        next.authentications.append(Authentication(
            time: time, generation: generation + 1, joinMethod: joinMethod, remoteAddress: remoteAddress))
        if next.authentications.count > Self.historyLimit {
            next.authentications.removeFirst(next.authentications.count - Self.historyLimit)
        }
        return next
    }
}
