/// What a lock forbids (spec §8.5, §8.7): joins with one token, one bot instance's renewals and
/// re-joins, one host, or every identity of one system role. A `lock` resource names exactly
/// one target, under the keys of Teleport's lock spec (`join_token`, `bot_instance_id`,
/// `server_id`, `role`).
///
/// Locks apply to every authenticated call, not only to joins: heartbeats, bot renewals,
/// authenticated re-joins, admin calls and a Proxy's forwarded joins are each checked against
/// the caller's host ID, bot instance and roles.
public enum LockTarget: Sendable, Hashable, CustomStringConvertible {
    /// Every join that uses this token (`join_token=<name>`).
    case joinToken(String)
    /// Every join or renewal that continues this bot instance (`bot_instance_id=<id>`).
    case botInstanceID(String)
    /// Every join that would issue certificates for this host, and every call it makes
    /// (`server_id=<host id>`).
    case serverID(String)
    /// Every call by an identity holding this system role (`role=Proxy`). In Teleport the
    /// field names RBAC roles; Joinery has only system roles, so it names one of those.
    case role(SystemRole)
    /// Every sign-in and SSH login of one local user (`user=<name>`), and the sessions their
    /// certificates would open.
    case user(String)

    /// The key used in a lock resource's `spec.target` (`join_token`, `bot_instance_id`,
    /// `server_id`, `role`).
    public var key: String {
        switch self {
        case .joinToken: return "join_token"
        case .botInstanceID: return "bot_instance_id"
        case .serverID: return "server_id"
        case .role: return "role"
        case .user: return "user"
        }
    }

    public var value: String {
        switch self {
        case .joinToken(let value), .botInstanceID(let value), .serverID(let value), .user(let value): return value
        case .role(let role): return role.rawValue
        }
    }

    /// Parses a `key` and `value` as written in a lock resource.
    ///
    /// A lock on role `Admin` is refused: it would shut out every tctl, including the one
    /// needed to remove it. To cut off one admin identity, lock its `server_id`.
    public init(key: String, value: String) throws {
        guard !value.isEmpty else { throw JoinError.badParameter("lock target \(UntrustedString.sanitize(key)) must not be empty") }
        switch key {
        case "join_token": self = .joinToken(value)
        case "bot_instance_id": self = .botInstanceID(value)
        case "server_id": self = .serverID(value)
        case "user": self = .user(value)
        case "role":
            let role: SystemRole
            do {
                role = try SystemRole(parsing: value)
            } catch {
                throw JoinError.badParameter(
                    "lock target role \"\(UntrustedString.sanitize(value))\" is not a system role (Node, Proxy, Bot, Kube, ...)")
            }
            guard role != .admin else {
                throw JoinError.badParameter(
                    "a lock on role Admin would lock out every tctl, including the one needed to remove it; lock one admin identity by its server_id instead")
            }
            self = .role(role)
        default:
            throw JoinError.badParameter(
                "unknown lock target \"\(UntrustedString.sanitize(key))\"; use join_token, bot_instance_id, server_id, role or user")
        }
    }

    public var description: String { "\(key)=\(value)" }
}
