import Foundation

/// The roles Teleport creates in every cluster, with the parts Joinery enforces.
///
/// - `access`: log in to every node (`'*': '*'`) as the user's own logins (`{{internal.logins}}`);
/// - `editor`: no logins; the role that edits cluster resources (users, roles, tokens);
/// - `auditor`: no logins; reads the audit log.
///
/// Each carries `max_session_ttl: 30h` and the label `teleport.internal/resource-type: preset`,
/// as Teleport's do.
public enum PresetRoles {
    /// Teleport's `max_session_ttl` for the presets, and the default for every role.
    public static let defaultMaxSessionTTL: TimeInterval = 30 * 3600

    /// The label Teleport puts on the roles it creates.
    public static let presetLabels = ["teleport.internal/resource-type": "preset"]

    public static let access = Role(
        name: "access", description: "Access cluster resources", labels: presetLabels,
        maxSessionTTL: defaultMaxSessionTTL,
        allow: RoleConditions(logins: ["{{internal.logins}}"], nodeLabels: ["*": ["*"]]))

    public static let editor = Role(
        name: "editor", description: "Edit cluster configuration", labels: presetLabels,
        maxSessionTTL: defaultMaxSessionTTL)

    public static let auditor = Role(
        name: "auditor", description: "Review cluster events and replay sessions", labels: presetLabels,
        maxSessionTTL: defaultMaxSessionTTL)

    /// `access`, `editor` and `auditor`, in that order.
    public static var all: [Role] { [access, editor, auditor] }

    /// Whether `name` is one of the presets.
    public static func isPreset(_ name: String) -> Bool { all.contains { $0.name == name } }
}
