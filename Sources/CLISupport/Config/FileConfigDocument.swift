import JoinCore

/// The top level of a teleport.yaml as the decoder sees it; ``ConfigLoader`` turns it into a
/// ``FileConfig`` after the checks that span several fields.
struct FileConfigDocument: Decodable {
    var version: ConfigVersion
    var teleport: TeleportSection
    var authService: AuthServiceConfig
    var sshService: SSHServiceConfig
    var proxyService: ProxyServiceConfig

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case version, teleport, authService = "auth_service", sshService = "ssh_service"
        case proxyService = "proxy_service"
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let versionText = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        if versionText.isEmpty {
            version = ConfigVersion.missingVersionDefault
        } else if let parsed = ConfigVersion(parsing: versionText) {
            version = parsed
        } else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c,
                debugDescription: "version \"\(versionText)\" is not supported; use v3 (v1 and v2 are also read)")
        }
        teleport = try c.decodeIfPresent(TeleportSection.self, forKey: .teleport) ?? TeleportSection()
        authService = try c.decodeIfPresent(AuthServiceConfig.self, forKey: .authService) ?? AuthServiceConfig()
        sshService = try c.decodeIfPresent(SSHServiceConfig.self, forKey: .sshService) ?? SSHServiceConfig()
        proxyService = try c.decodeIfPresent(ProxyServiceConfig.self, forKey: .proxyService) ?? ProxyServiceConfig()
    }
}
