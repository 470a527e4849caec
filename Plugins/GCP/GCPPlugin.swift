import JoinCore
import OIDCKit

extension JoinMethodPlugin {
    /// The built-in `gcp` method. The joiner asks the GCE metadata server for its identity
    /// token (``GCPMetadataTokenSource``).
    public static let gcp = JoinMethodPlugin.oidc(GCPProfile.self) { context in
        GCPMetadataTokenSource(environment: context.environment)
    }
}
