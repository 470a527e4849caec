import CLIKit
import JoinCore

/// A teleport.yaml (v3; v1 and v2 read too), parsed strictly.
///
/// Strict means every key must be one we know or one a join-method plugin declared: a misspelt
/// `join_parms:` is an error naming the file and the field path, never a silently ignored
/// setting that leaves a node unable to join. Load it with ``load(path:pluginAuthServiceKeys:)``
/// or ``parse(yaml:fileName:pluginAuthServiceKeys:)``; every error is a `badParameter`
/// ``JoinCore/JoinError`` whose message starts with the file name.
public struct FileConfig: Sendable, Equatable {
    /// The file the config came from, used to prefix later errors.
    public var fileName: String
    public var version: ConfigVersion
    public var teleport: TeleportSection
    public var authService: AuthServiceConfig
    public var sshService: SSHServiceConfig
    public var proxyService: ProxyServiceConfig

    public init(fileName: String = "teleport.yaml", version: ConfigVersion = .v3,
                teleport: TeleportSection = TeleportSection(), authService: AuthServiceConfig = AuthServiceConfig(),
                sshService: SSHServiceConfig = SSHServiceConfig(), proxyService: ProxyServiceConfig = ProxyServiceConfig()) {
        self.fileName = fileName
        self.version = version
        self.teleport = teleport
        self.authService = authService
        self.sshService = sshService
        self.proxyService = proxyService
    }

    /// The whole `auth_service` section as written, for join-method plugins.
    public var authServiceRaw: JSONValue { authService.raw }

    /// The configured join token as written: `join_params.token_name`, else `auth_token`.
    /// It may be an absolute path; use ``resolvedJoinToken()`` for the value.
    public var joinTokenSetting: String? {
        teleport.joinParams?.tokenName ?? teleport.authToken
    }

    /// The join method: `join_params.method`, `token` by default.
    public var joinMethod: String {
        teleport.joinParams?.method ?? JoinParamsConfig.defaultMethod
    }

    /// The join token's value, read from its file when the setting is an absolute path.
    public func resolvedJoinToken() throws -> String? {
        guard let setting = joinTokenSetting else { return nil }
        let field = teleport.joinParams?.tokenName != nil ? "teleport.join_params.token_name" : "teleport.auth_token"
        return try SecretValue.resolve(setting, field: "\(fileName): \(field)")
    }
}
