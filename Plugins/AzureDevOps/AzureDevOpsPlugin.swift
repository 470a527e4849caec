import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `azure_devops` method. The joiner asks Azure Pipelines for the job's ID token
    /// (`SYSTEM_OIDCREQUESTURI`, with the job's `SYSTEM_ACCESSTOKEN`).
    public static let azureDevOps = JoinMethodPlugin.oidc(AzureDevOpsProfile.self) { context in
        AzureDevOpsTokenSource(environment: context.environment)
    }
}
