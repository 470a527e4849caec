import JoinCore
import OIDCKit

/// The `spacelift` join method (Teleport's): a Spacelift run proves itself with the ID token
/// its tenant (`hostname`) mints, whose audience is that hostname. Rules on the space and the
/// caller are exact, or globs with `enable_glob_matching`.
public enum SpaceliftProfile: OIDCSchemaProfile {
    public static let methodName = "spacelift"

    public static let schema = OIDCSectionSchema(
        key: "spacelift",
        settings: ["hostname": .text, "enable_glob_matching": .bool],
        ruleFields: [
            .init("space_id", claim: "spaceId", .globWhen("enable_glob_matching")),
            .init("caller_id", claim: "callerId", .globWhen("enable_glob_matching")),
            .init("caller_type", claim: "callerType"), .init("scope"),
        ])

    public static func check(_ section: OIDCTokenSection) throws -> OIDCTokenSection {
        func failed(_ message: String) -> JoinError { .badParameter("spec.spacelift: failed validation: \(message)") }
        guard let hostname = section.text("hostname") else { throw failed("hostname: should be set to the hostname of the spacelift tenant") }
        guard !hostname.contains("/") else { throw failed("hostname: should not contain the scheme or path") }
        guard IssuerHost.isValid(hostname) else { throw failed("hostname: should be a host name with an optional port, e.g. example.app.spacelift.io") }
        guard !section.allow.isEmpty else { throw failed("allow: at least one rule must be set") }
        for (index, rule) in section.allow.enumerated() where rule["space_id"] == nil && rule["caller_id"] == nil {
            throw failed("allow[\(index)]: at least one of ['space_id', 'caller_id'] must be set")
        }
        return section
    }

    public static func issuer(of section: OIDCTokenSection, context: IssuerContext) throws -> IssuerChoice {
        let hostname = section.text("hostname") ?? ""
        return IssuerChoice(issuer: "https://\(hostname)", audience: hostname)
    }
}
