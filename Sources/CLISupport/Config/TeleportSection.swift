import CLIKit
import JoinCore

/// The `teleport:` section: who this process is, where it keeps state, and how it reaches
/// and trusts the cluster.
public struct TeleportSection: Sendable, Equatable, Decodable {
    /// `nodename`; `nil` means "use the host name".
    public var nodeName: String?
    /// `data_dir`: host UUID, identity and the Auth backend live here.
    public var dataDir: String
    /// `join_params`; `nil` when the section is absent.
    public var joinParams: JoinParamsConfig?
    /// `auth_token`: the legacy spelling of `join_params.token_name`.
    public var authToken: String?
    /// `ca_pin`: one pin or a list; empty when none was written.
    public var caPins: [CAPin]
    /// `auth_server` (v3): join and connect to the Auth service directly.
    public var authServer: String?
    /// `auth_servers` (v1/v2 only).
    public var authServers: [String]
    /// `proxy_server` (v3): join and connect through the Proxy service.
    public var proxyServer: String?
    /// `ca_path` (Joinery's addition, as tbot's): PEM certificates to trust the Proxy
    /// Service's web certificate with instead of the system trust store.
    public var caPath: String?
    /// `join_plugins`: the joining side's external join methods (the client halves).
    public var joinPlugins: [JoinPluginConfig] = []
    public var log: LogConfig
    public var storage: StorageConfig
    /// `diag_addr`: where to serve `/healthz`, `/readyz` and `/metrics`; `nil` serves nothing.
    public var diagAddr: DiagnosticsAddress?

    public static let defaultDataDir = "/var/lib/teleport"

    public init(nodeName: String? = nil, dataDir: String = TeleportSection.defaultDataDir,
                joinParams: JoinParamsConfig? = nil, authToken: String? = nil, caPins: [CAPin] = [],
                authServer: String? = nil, authServers: [String] = [], proxyServer: String? = nil,
                log: LogConfig = LogConfig(), storage: StorageConfig = StorageConfig(), diagAddr: DiagnosticsAddress? = nil) {
        self.nodeName = nodeName
        self.dataDir = dataDir
        self.joinParams = joinParams
        self.authToken = authToken
        self.caPins = caPins
        self.authServer = authServer
        self.authServers = authServers
        self.proxyServer = proxyServer
        self.log = log
        self.storage = storage
        self.diagAddr = diagAddr
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case nodeName = "nodename", dataDir = "data_dir", joinParams = "join_params", authToken = "auth_token"
        case caPin = "ca_pin", authServer = "auth_server", authServers = "auth_servers"
        case proxyServer = "proxy_server", log, storage, diagAddr = "diag_addr", caPath = "ca_path"
        case joinPlugins = "join_plugins"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName).nonEmpty
        dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir).nonEmpty ?? TeleportSection.defaultDataDir
        joinParams = try c.decodeIfPresent(JoinParamsConfig.self, forKey: .joinParams)
        authToken = try c.decodeIfPresent(String.self, forKey: .authToken).nonEmpty
        let pinTexts = try c.decodeIfPresent(StringOrList.self, forKey: .caPin)?.values ?? []
        caPins = try pinTexts.map { text in
            do {
                return try CAPin(parsing: text)
            } catch let error as JoinError {
                throw DecodingError.dataCorruptedError(forKey: .caPin, in: c, debugDescription: error.message)
            }
        }
        authServer = try c.decodeIfPresent(String.self, forKey: .authServer).nonEmpty
        authServers = try c.decodeIfPresent(StringOrList.self, forKey: .authServers)?.values ?? []
        proxyServer = try c.decodeIfPresent(String.self, forKey: .proxyServer).nonEmpty
        caPath = try c.decodeIfPresent(String.self, forKey: .caPath).nonEmpty
        joinPlugins = try c.decodeIfPresent([JoinPluginConfig].self, forKey: .joinPlugins) ?? []
        log = try c.decodeIfPresent(LogConfig.self, forKey: .log) ?? LogConfig()
        storage = try c.decodeIfPresent(StorageConfig.self, forKey: .storage) ?? StorageConfig()
        diagAddr = try c.decodeIfPresent(String.self, forKey: .diagAddr).nonEmpty.map { text in
            do {
                return try DiagnosticsAddress(parsing: text)
            } catch let error as JoinError {
                throw DecodingError.dataCorruptedError(forKey: .diagAddr, in: c, debugDescription: error.message)
            }
        }
    }
}
