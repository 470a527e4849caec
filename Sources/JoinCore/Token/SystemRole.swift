/// A system role: what a joined process is allowed to be in the cluster (spec §1.4).
public enum SystemRole: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case auth = "Auth"
    case node = "Node"
    case proxy = "Proxy"
    case admin = "Admin"
    case provisionToken = "ProvisionToken"
    case trustedCluster = "Trusted_cluster"
    case signup = "Signup"
    case nop = "Nop"
    case remoteProxy = "RemoteProxy"
    case kube = "Kube"
    case app = "App"
    case db = "Db"
    case windowsDesktop = "WindowsDesktop"
    case bot = "Bot"
    case instance = "Instance"
    case discovery = "Discovery"
    case okta = "Okta"
    case mdm = "MDM"
    case accessGraphPlugin = "AccessGraphPlugin"

    public var description: String { self == .trustedCluster ? "trusted_cluster" : rawValue }

    private static let aliases: [String: SystemRole] = {
        var table: [String: SystemRole] = [:]
        for role in SystemRole.allCases { table[role.rawValue.lowercased()] = role }
        table["trustedcluster"] = .trustedCluster
        table["remote_proxy"] = .remoteProxy
        table["windows_desktop"] = .windowsDesktop
        return table
    }()

    /// Parses one role, case-insensitively and with Teleport's aliases.
    public init(parsing text: String) throws {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let role = SystemRole.aliases[key] else {
            throw JoinError.badParameter("role \(text) is not registered")
        }
        self = role
    }

    /// Parses `node,app,db`; rejects unknown and duplicate roles.
    public static func parseList(_ text: String) throws -> [SystemRole] {
        try parseList(text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    public static func parseList(_ items: [String]) throws -> [SystemRole] {
        var roles: [SystemRole] = []
        for item in items {
            let role = try SystemRole(parsing: item)
            if roles.contains(role) { throw JoinError.badParameter("duplicate role \"\(role)\"") }
            roles.append(role)
        }
        return roles
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    /// Roles a process runs as services and that an Instance certificate may carry.
    public var isLocalService: Bool {
        switch self {
        case .auth, .node, .proxy, .kube, .app, .db, .windowsDesktop, .discovery, .okta, .mdm, .accessGraphPlugin:
            return true
        default:
            return false
        }
    }
}

// MARK: - Roles no token grants

extension SystemRole {
    /// Why no provision token may carry this role, or `nil` when a token may.
    ///
    /// This is the one definition of the roles a join can never lead to. Tokens refuse them
    /// wherever they are made (`tctl tokens add`, `tctl nodes add`, `tctl create`, static
    /// tokens in `auth_service.tokens`) and the join pipeline refuses a token that carries one
    /// anyway (one stored before the rule existed). Each role, and why:
    /// - `Admin`: tctl's identity, with full control of the cluster; only the Auth server
    ///   issues it, to itself.
    /// - `Auth`: the Auth server's own role; a holder could serve as the Auth server.
    /// - `Nop`: no identity at all (Teleport's placeholder for calls authorised elsewhere).
    /// - `Signup`: belongs to user sign-up invitations, never to a machine.
    /// - `ProvisionToken`: describes a caller that holds only a join token, before it joined.
    /// - `RemoteProxy`: another cluster's proxy, trusted through a trusted-cluster exchange,
    ///   never through a join.
    ///
    /// `Trusted_cluster` is allowed on a token: Teleport's guides create trusted-cluster tokens
    /// with `tctl tokens add --type=trusted_cluster`, and such a token is spent by a
    /// trusted-cluster handshake, not by a join. No process may *join as* it, though: see
    /// ``joinRefusalReason``.
    public var tokenRefusalReason: String? {
        switch self {
        case .admin:
            return "it is tctl's identity, with full control of the cluster, and only the Auth server issues it, to itself"
        case .auth:
            return "only the Auth server itself holds it; a process holding it could serve as the Auth server"
        case .nop:
            return "it is no identity at all"
        case .signup:
            return "it belongs to user sign-up invitations, not to machines"
        case .provisionToken:
            return "it describes a caller that holds only a join token, before it has joined"
        case .remoteProxy:
            return "it is given to another cluster's proxy by a trusted-cluster exchange, never by a join"
        default:
            return nil
        }
    }

    /// Why no join may be issued a certificate for this role, or `nil` when one may: every role
    /// of ``tokenRefusalReason``, and `Trusted_cluster`, which a token may carry but no joined
    /// process is.
    public var joinRefusalReason: String? {
        if let reason = tokenRefusalReason { return reason }
        if self == .trustedCluster {
            return "a trusted_cluster token establishes trust between clusters; no process joins as one"
        }
        return nil
    }

    /// Throws `badParameter` naming the first of `roles` that no token may grant, and why.
    public static func checkGrantableByToken(_ roles: [SystemRole]) throws {
        for role in roles {
            if let reason = role.tokenRefusalReason {
                throw JoinError.badParameter("role \(role) cannot be granted by a join token: \(reason)")
            }
        }
    }
}

extension Array where Element == SystemRole {
    /// `Node,Proxy` as Teleport prints role lists.
    public var joinedNames: String { map(\.description).joined(separator: ",") }
}

import Foundation
