import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `circleci` method. The joiner reads the job's ID token from
    /// `CIRCLE_OIDC_TOKEN_V2`, or `CIRCLE_OIDC_TOKEN` (the variable Teleport reads).
    public static let circleci = JoinMethodPlugin.oidc(CircleCIProfile.self) { context in
        EnvironmentTokenSource(variables: ["CIRCLE_OIDC_TOKEN_V2", "CIRCLE_OIDC_TOKEN"],
                               hint: "CircleCI sets them in every job of a project with OIDC; run tbot in a CircleCI job",
                               environment: context.environment)
    }
}
