import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `spacelift` method. The joiner reads the run's ID token from
    /// `SPACELIFT_OIDC_TOKEN`.
    public static let spacelift = JoinMethodPlugin.oidc(SpaceliftProfile.self) { context in
        EnvironmentTokenSource(variables: ["SPACELIFT_OIDC_TOKEN"],
                               hint: "Spacelift sets it in every run; run tbot inside a Spacelift run",
                               environment: context.environment)
    }
}
