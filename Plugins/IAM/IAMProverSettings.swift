import JoinCore

/// The node's IAM options: `teleport.join_params.iam` in teleport.yaml, or the environment.
///
/// ```yaml
/// teleport:
///   join_params:
///     method: iam
///     token_name: iam-fleet
///     iam:
///       fips: true      # sign for a FIPS STS endpoint
/// ```
///
/// `TELEPORT_FIPS=1` (or `true`/`yes`) in the node's environment also asks for FIPS, for
/// deployments that set FIPS mode process-wide. Parsed strictly: an unknown key is an error.
struct IAMProverSettings: Sendable, Equatable {
    static let knownKeys: Set<String> = ["fips"]

    var fips: Bool

    init(fips: Bool = false) {
        self.fips = fips
    }

    /// The `iam` section as the joining side wrote it (`section`, nil when absent), plus the
    /// environment. `field` names the section in errors (`teleport.join_params.iam`).
    init(section: JSONValue?, field: String, environment: [String: String]) throws {
        fips = ["1", "true", "yes"].contains(environment["TELEPORT_FIPS"]?.lowercased() ?? "")
        guard let section else { return }
        guard case .object(let fields) = section else {
            throw JoinError.badParameter("\(field): expected a map")
        }
        for key in fields.keys.sorted() where !Self.knownKeys.contains(key) {
            throw JoinError.badParameter("unknown field \"\(field).\(key)\"")
        }
        switch fields["fips"] {
        case nil, .null?:
            break
        case .bool(let value)?:
            fips = fips || value
        default:
            throw JoinError.badParameter("\(field).fips: expected true or false")
        }
    }

    /// The section's declaration: strict config parsing accepts `iam:` and checks it on load.
    static let joinParamsSection = JoinParamsSection(key: sectionKey) { section, path in
        _ = try IAMProverSettings(section: section, field: path.joined(separator: "."), environment: [:])
    }

    static let sectionKey = "iam"
}
