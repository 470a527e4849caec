import Foundation
import JoinCore

/// Decides what a user holding `roles`, with `traits`, may do on nodes.
///
/// The rules are Teleport's (`services.RoleSet.checkAccess`):
///
/// - **Deny wins.** If any role's `deny` matches the login (`deny.logins`) or the node
///   (`deny.node_labels`), access is refused whatever the other roles allow.
/// - **Allow is per role.** Some *single* role must allow both the login and the node's labels.
///   A role granting `root` on test machines and another granting `alice` everywhere do not
///   add up to `root` everywhere.
///
/// Templates (`{{internal.logins}}`, `{{external.NAME}}`) in logins and label values are
/// expanded once, here, against `traits`; the expanded roles are what every check reads.
public struct AccessChecker: Sendable {
    /// One role after trait expansion.
    struct ExpandedRole: Sendable {
        var name: String
        var allowLogins: Set<String>
        var denyLogins: Set<String>
        var allowNodes: [String: [String]]
        var denyNodes: [String: [String]]
        var maxSessionTTL: TimeInterval?

        init(_ role: Role, traits: [String: [String]]) {
            func logins(_ values: [String]) -> Set<String> {
                Set(values.flatMap { TraitExpansion.expand($0, traits: traits) }.filter(LoginName.isUsable))
            }
            name = role.name
            allowLogins = logins(role.allow.logins)
            denyLogins = logins(role.deny.logins)
            allowNodes = LabelSelector(role.allow.nodeLabels, traits: traits).entries
            denyNodes = LabelSelector(role.deny.nodeLabels, traits: traits).entries
            maxSessionTTL = role.maxSessionTTL
        }

        func allowsNode(_ labels: [String: String]) -> Bool { LabelSelector(expanded: allowNodes).matches(labels) }
        func deniesNode(_ labels: [String: String]) -> Bool { LabelSelector(expanded: denyNodes).matches(labels) }
    }

    let roles: [ExpandedRole]

    /// `traits["logins"]` feeds `{{internal.logins}}`; any trait NAME feeds
    /// `{{internal.NAME}}` and `{{external.NAME}}`.
    public init(roles: [Role], traits: [String: [String]]) {
        self.roles = roles.map { ExpandedRole($0, traits: traits) }
    }

    /// The names of the roles, in the order given.
    public var roleNames: [String] { roles.map(\.name) }

    /// Logins this user may use on at least one node: every role's allowed logins after
    /// expansion, minus every denied login, sorted and without duplicates. Empty values and
    /// templates that expand to nothing usable are dropped. (These become the principals of the
    /// user's SSH certificate; whether a node accepts one is ``checkLogin(_:nodeLabels:)``'s call.)
    public var allowedLogins: [String] {
        let allowed = roles.reduce(into: Set<String>()) { $0.formUnion($1.allowLogins) }
        let denied = roles.reduce(into: Set<String>()) { $0.formUnion($1.denyLogins) }
        return allowed.subtracting(denied).sorted()
    }

    /// Whether some role allows a node with these labels and no role denies it: whether the
    /// node is shown to the user at all (`tsh ls`).
    public func canSee(nodeLabels: [String: String]) -> Bool {
        roles.contains { $0.allowsNode(nodeLabels) } && !roles.contains { $0.deniesNode(nodeLabels) }
    }

    /// The decision for logging in as `login` on a node with `nodeLabels`: one role must allow
    /// both the login and the labels, and no role's deny may match either.
    public func checkLogin(_ login: String, nodeLabels: [String: String]) -> AccessDecision {
        let quotedLogin = UntrustedString.quoted(login)
        let node = "node with \(NodeLabelsText.describe(nodeLabels))"
        guard !login.isEmpty else { return .denied("access denied: the login must not be empty") }
        guard !roles.isEmpty else { return .denied("access to login \(quotedLogin) is not granted: the user holds no roles") }

        for role in roles {
            if role.denyLogins.contains(login) {
                return .denied("access denied by role \"\(role.name)\": deny rule matches login \(quotedLogin)")
            }
            if role.deniesNode(nodeLabels) {
                let what = nodeLabels.isEmpty ? "every node" : "node \(NodeLabelsText.describe(nodeLabels))"
                return .denied("access denied by role \"\(role.name)\": deny rule matches \(what)")
            }
        }

        let grantingLogin = roles.filter { $0.allowLogins.contains(login) }
        let grantingNode = roles.filter { $0.allowsNode(nodeLabels) }
        if grantingLogin.contains(where: { role in grantingNode.contains { $0.name == role.name } }) { return .allowed }

        let all = roleNames.joined(separator: ", ")
        if grantingLogin.isEmpty {
            return .denied("access to login \(quotedLogin) is not granted by roles \(all)")
        }
        if grantingNode.isEmpty {
            return .denied("access to \(node) is not granted by roles \(all)")
        }
        return .denied("access to login \(quotedLogin) on \(node) is not granted by any single role: " +
            "the login is granted by roles \(grantingLogin.map(\.name).joined(separator: ", ")), " +
            "the node by roles \(grantingNode.map(\.name).joined(separator: ", "))")
    }

    /// The shortest `max_session_ttl` among the roles; 30 hours when none sets one.
    public var maxSessionTTL: TimeInterval {
        roles.compactMap(\.maxSessionTTL).min() ?? PresetRoles.defaultMaxSessionTTL
    }
}
