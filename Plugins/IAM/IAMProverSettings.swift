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

    init(joinParams: JSONValue, environment: [String: String]) throws {
        fips = ["1", "true", "yes"].contains(environment["TELEPORT_FIPS"]?.lowercased() ?? "")
        guard let section = joinParams["iam"] else { return }
        guard case .object(let fields) = section else {
            throw JoinError.badParameter("teleport.join_params.iam: expected a map")
        }
        for key in fields.keys.sorted() where !Self.knownKeys.contains(key) {
            throw JoinError.badParameter("unknown field \"teleport.join_params.iam.\(key)\"")
        }
        switch fields["fips"] {
        case nil, .null?:
            break
        case .bool(let value)?:
            fips = fips || value
        default:
            throw JoinError.badParameter("teleport.join_params.iam.fips: expected true or false")
        }
    }
}
