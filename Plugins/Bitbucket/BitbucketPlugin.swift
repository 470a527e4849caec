import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `bitbucket` method. The joiner reads the step's ID token from
    /// `BITBUCKET_STEP_OIDC_TOKEN`.
    public static let bitbucket = JoinMethodPlugin.oidc(BitbucketProfile.self) { context in
        EnvironmentTokenSource(variables: ["BITBUCKET_STEP_OIDC_TOKEN"],
                               hint: "set `oidc: true` on the pipeline step that runs tbot",
                               environment: context.environment)
    }
}
