import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `generic_oidc` method. The joiner takes its ID token from
    /// `join_params.generic_oidc`: `token_env_var_name` (default `TBOT_OIDC_TOKEN`),
    /// `token_file`, or `token_command` (run without a shell; it prints the token).
    public static let genericOIDC = JoinMethodPlugin.oidc(
        GenericOIDCProfile.self,
        joinParamsSections: [ProverSettings.joinParamsSection(key: GenericOIDCSource.key, fields: GenericOIDCSource.fields)]
    ) { context in
        try GenericOIDCSource.make(context)
    }
}

/// Where a `generic_oidc` joiner's ID token comes from: exactly one of a variable, a file and a
/// command, the variable `TBOT_OIDC_TOKEN` when none is named.
enum GenericOIDCSource {
    static let key = "generic_oidc"
    static let defaultVariable = "TBOT_OIDC_TOKEN"
    static let fields: [String: ProverSettings.Kind] = ["token_env_var_name": .text, "token_file": .text, "token_command": .list]

    static func make(_ context: ProverContext) throws -> any IDTokenSource {
        let settings = try ProverSettings(context, key: key, fields: fields)
        let named = fields.keys.filter { settings.values[$0] != nil }
        guard named.count <= 1 else {
            let at = (context.joinParamsPath + [key]).joined(separator: ".")
            throw JoinError.badParameter("\(at): set one of token_env_var_name, token_file and token_command, not \(named.sorted().joined(separator: " and "))")
        }
        if let path = settings.text("token_file") { return FileTokenSource(path: path) }
        if let command = settings.list("token_command") {
            return CommandTokenSource(arguments: command, environment: context.environment)
        }
        let variable = settings.text("token_env_var_name") ?? defaultVariable
        let section = (context.joinParamsPath + [key]).joined(separator: ".")
        return EnvironmentTokenSource(
            variables: [variable],
            hint: "ensure it exists and contains a valid JWT for OIDC joining, or name a token_file or token_command in \(section)",
            environment: context.environment)
    }
}
