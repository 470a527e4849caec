import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `gitlab` method. The joiner reads the ID token the job's `id_tokens:` put in
    /// `TBOT_GITLAB_JWT`, or in the variable `join_params.gitlab.token_env_var_name` names.
    public static let gitlab = JoinMethodPlugin.oidc(
        GitLabProfile.self,
        joinParamsSections: [ProverSettings.joinParamsSection(key: "gitlab", fields: GitLabTokenVariable.fields)]
    ) { context in
        let variable = try ProverSettings(context, key: "gitlab", fields: GitLabTokenVariable.fields)
            .text("token_env_var_name") ?? GitLabTokenVariable.defaultName
        return EnvironmentTokenSource(
            variables: [variable],
            hint: "give the job an ID token: `id_tokens: {\(variable): {aud: <cluster name>}}` in .gitlab-ci.yml",
            environment: context.environment)
    }
}

/// Where a GitLab job's ID token is found.
enum GitLabTokenVariable {
    static let defaultName = "TBOT_GITLAB_JWT"
    static let fields: [String: ProverSettings.Kind] = ["token_env_var_name": .text]
}
