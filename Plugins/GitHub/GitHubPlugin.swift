import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `github` method. The joiner asks GitHub Actions for its ID token
    /// (`ACTIONS_ID_TOKEN_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    public static let github = JoinMethodPlugin.oidc(GitHubProfile.self) { context in
        GitHubActionsTokenSource(audience: GitHubProfile.audience, environment: context.environment)
    }
}
