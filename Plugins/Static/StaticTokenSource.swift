import Foundation
import JoinCore

/// The static tokens of `auth_service.tokens`, held in memory: they never expire, cannot be
/// removed with tctl, and are found by a constant-time comparison against every one of them.
struct StaticTokenSource: TokenSource {
    /// The label Teleport puts on tokens that come from the configuration file.
    static let originLabel = "teleport.dev/origin"

    let tokens: [ProvisionToken]

    init(specs: [StaticTokenSpec], methodName: String) {
        tokens = specs.flatMap { spec in
            spec.values.map { value in
                var token = ProvisionToken(name: value, roles: spec.roles, joinMethod: methodName)
                token.metadata.labels = [StaticTokenSource.originLabel: "config-file"]
                return token
            }
        }
    }

    func token(named name: String) -> ProvisionToken? {
        // Compare against every token, so the time taken does not say which one matched.
        var found: ProvisionToken?
        for token in tokens where ConstantTime.equals(token.metadata.name, name) {
            found = found ?? token
        }
        return found
    }

    func allTokens() -> [ProvisionToken] { tokens }
}
