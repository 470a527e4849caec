import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `env0` method. The joiner reads the deployment's ID token from `ENV0_OIDC_TOKEN`.
    public static let env0 = JoinMethodPlugin.oidc(Env0Profile.self) { context in
        EnvironmentTokenSource(variables: ["ENV0_OIDC_TOKEN"],
                               hint: "ensure 'Enable OIDC during deployments' is enabled in the workspace",
                               environment: context.environment)
    }
}
