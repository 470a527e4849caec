import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `kubernetes` method. The joiner sends its pod's service-account token
    /// (``KubernetesTokenFile``).
    public static let kubernetes = JoinMethodPlugin.oidc(
        KubernetesProfile.self,
        joinParamsSections: [ProverSettings.joinParamsSection(key: "kubernetes", fields: KubernetesTokenFile.fields)]
    ) { context in
        try KubernetesTokenFile(context: context)
    }
}
