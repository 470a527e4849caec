import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `terraform_cloud` method. The joiner reads the run's workload identity token
    /// from `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>` with
    /// `join_params.terraform_cloud.audience_tag`.
    public static let terraformCloud = JoinMethodPlugin.oidc(
        TerraformCloudProfile.self,
        joinParamsSections: [ProverSettings.joinParamsSection(key: "terraform_cloud", fields: ["audience_tag": .text])]
    ) { context in
        let tag = try ProverSettings(context, key: "terraform_cloud", fields: ["audience_tag": .text]).text("audience_tag")
        let suffix = tag.map { "_" + $0.uppercased() } ?? ""
        return EnvironmentTokenSource(
            variables: ["TFC_WORKLOAD_IDENTITY_TOKEN" + suffix],
            hint: "ensure the corresponding TFC_WORKLOAD_IDENTITY_AUDIENCE\(suffix) variable is set in the workspace",
            environment: context.environment)
    }
}
