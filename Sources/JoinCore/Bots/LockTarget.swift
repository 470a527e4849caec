/// What a lock forbids (spec §8.5, §8.7): joins with one token, one bot instance's renewals and
/// re-joins, or one host. A `lock` resource names exactly one target.
public enum LockTarget: Sendable, Hashable, CustomStringConvertible {
    /// Every join that uses this token (`join_token=<name>`).
    case joinToken(String)
    /// Every join or renewal that continues this bot instance (`bot_instance_id=<id>`).
    case botInstanceID(String)
    /// Every join that would issue certificates for this host (`server_id=<host id>`).
    case serverID(String)

    /// The key used in a lock resource's `spec.target` (`join_token`, `bot_instance_id`, `server_id`).
    public var key: String {
        switch self {
        case .joinToken: return "join_token"
        case .botInstanceID: return "bot_instance_id"
        case .serverID: return "server_id"
        }
    }

    public var value: String {
        switch self {
        case .joinToken(let value), .botInstanceID(let value), .serverID(let value): return value
        }
    }

    /// Parses a `key` and `value` as written in a lock resource.
    public init(key: String, value: String) throws {
        guard !value.isEmpty else { throw JoinError.badParameter("lock target \(key) must not be empty") }
        switch key {
        case "join_token": self = .joinToken(value)
        case "bot_instance_id": self = .botInstanceID(value)
        case "server_id": self = .serverID(value)
        default:
            throw JoinError.badParameter("unknown lock target \"\(UntrustedString.sanitize(key))\"; use join_token, bot_instance_id or server_id")
        }
    }

    public var description: String { "\(key)=\(value)" }
}
