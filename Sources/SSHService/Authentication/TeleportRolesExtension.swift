import Foundation

/// The `teleport-roles` certificate extension: `{"version":"v1","roles":["access",…]}`, as
/// Teleport's user certificates carry it. The roles go to the policy; this server grants nothing
/// on them itself.
struct TeleportRolesExtension: Decodable, Equatable, Sendable {
    static let name = "teleport-roles"

    var version: String
    var roles: [String]

    /// The roles a certificate names: none when the extension is absent, a refusal when it is
    /// present but not what Teleport writes (a policy must not decide on half-read roles).
    static func roles(inExtensionValue value: String?) throws(LoginRefusal) -> [String] {
        guard let value else { return [] }
        guard let decoded = try? JSONDecoder().decode(TeleportRolesExtension.self, from: Data(value.utf8)) else {
            throw LoginRefusal("the certificate's \(name) extension is not {\"version\":\"v1\",\"roles\":[…]}")
        }
        guard decoded.version == "v1" else {
            throw LoginRefusal("the certificate's \(name) extension has version \(decoded.version.prefix(16)); only v1 is understood")
        }
        return decoded.roles
    }
}
