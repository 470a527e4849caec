/// How the operator of one program names the settings that point it at the cluster — a flag
/// and its config key — so that a message can say which setting to change, in the words of
/// the program that printed it (`teleport` and `tbot` spell them differently).
public struct ClusterSettingNames: Sendable, Equatable {
    /// Where a Proxy Service's web address goes.
    public var proxy: String
    /// Where an Auth server's address goes.
    public var authServer: String
    /// Where the CA file that the Proxy Service's certificate is checked with goes.
    public var caPath: String

    public init(proxy: String, authServer: String, caPath: String) {
        self.proxy = proxy
        self.authServer = authServer
        self.caPath = caPath
    }

    /// `teleport start` and teleport.yaml.
    public static let teleport = ClusterSettingNames(
        proxy: "--proxy (teleport.proxy_server)", authServer: "--auth-server (teleport.auth_server)",
        caPath: "--ca-path (teleport.ca_path)")

    /// `tbot start` and tbot.yaml.
    public static let tbot = ClusterSettingNames(
        proxy: "--proxy-server (proxy_server)", authServer: "--auth-server (auth_server)", caPath: "onboarding.ca_path")
}
