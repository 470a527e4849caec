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

extension Array where Element == SystemRole {
    /// `Node,Proxy` as Teleport prints role lists.
    public var joinedNames: String { map(\.description).joined(separator: ",") }
}

import Foundation
