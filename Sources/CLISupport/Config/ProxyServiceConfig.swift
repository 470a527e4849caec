import JoinCore

/// `proxy_service`: parsed so Teleport-shaped files load, not run yet. It matters for joining
/// in one way: a process running the Proxy service cannot also name a `proxy_server`.
public struct ProxyServiceConfig: Sendable, Equatable, Decodable {
    /// True when the file has a `proxy_service` section at all.
    public var isConfigured: Bool
    /// `enabled`; a written section without the key is enabled, as in Teleport.
    public var enabled: Bool
    public var webListenAddr: String
    public var publicAddr: [String]

    public static let defaultWebListenAddr = "0.0.0.0:3080"

    public init(isConfigured: Bool = false, enabled: Bool = true,
                webListenAddr: String = ProxyServiceConfig.defaultWebListenAddr, publicAddr: [String] = []) {
        self.isConfigured = isConfigured
        self.enabled = enabled
        self.webListenAddr = webListenAddr
        self.publicAddr = publicAddr
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, webListenAddr = "web_listen_addr", publicAddr = "public_addr"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        isConfigured = true
        enabled = try c.decodeIfPresent(LenientBool.self, forKey: .enabled)?.value ?? true
        webListenAddr = try c.decodeIfPresent(String.self, forKey: .webListenAddr).nonEmpty
            ?? ProxyServiceConfig.defaultWebListenAddr
        publicAddr = try c.decodeIfPresent(StringOrList.self, forKey: .publicAddr)?.values ?? []
    }
}
