import CLIKit
import JoinCore

/// `proxy_service`: the Proxy Service's web address, public addresses and web certificate
/// (`https_keypairs`; a self-signed one is made when none is given). A process running the
/// Proxy service cannot also name a `proxy_server`.
public struct ProxyServiceConfig: Sendable, Equatable, Decodable {
    /// One `https_keypairs` entry: PEM files of the web certificate (chain) and its key.
    public struct KeyPair: Sendable, Equatable, Decodable {
        public var keyFile: String
        public var certFile: String

        public init(keyFile: String, certFile: String) {
            self.keyFile = keyFile
            self.certFile = certFile
        }

        private enum CodingKeys: String, CodingKey, CaseIterable { case keyFile = "key_file", certFile = "cert_file" }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let key = try c.decodeIfPresent(String.self, forKey: .keyFile).nonEmpty,
                  let cert = try c.decodeIfPresent(String.self, forKey: .certFile).nonEmpty else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "each https_keypairs entry needs both key_file and cert_file"))
            }
            keyFile = key
            certFile = cert
        }
    }

    /// True when the file has a `proxy_service` section at all.
    public var isConfigured: Bool
    /// `enabled`; a written section without the key is enabled, as in Teleport.
    public var enabled: Bool
    public var webListenAddr: String
    public var publicAddr: [String]
    /// `https_keypairs`: the first pair is served.
    public var httpsKeyPairs: [KeyPair]
    /// `listen_backlog` (a Joinery setting), as for the Auth service's port.
    public var listenBacklog: Int?

    public static let defaultWebListenAddr = "0.0.0.0:3080"

    public init(isConfigured: Bool = false, enabled: Bool = true,
                webListenAddr: String = ProxyServiceConfig.defaultWebListenAddr, publicAddr: [String] = [],
                httpsKeyPairs: [KeyPair] = []) {
        self.isConfigured = isConfigured
        self.enabled = enabled
        self.webListenAddr = webListenAddr
        self.publicAddr = publicAddr
        self.httpsKeyPairs = httpsKeyPairs
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, webListenAddr = "web_listen_addr", publicAddr = "public_addr", httpsKeyPairs = "https_keypairs"
        case listenBacklog = "listen_backlog"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        isConfigured = true
        enabled = try c.decodeIfPresent(LenientBool.self, forKey: .enabled)?.value ?? true
        webListenAddr = try c.decodeIfPresent(String.self, forKey: .webListenAddr).nonEmpty
            ?? ProxyServiceConfig.defaultWebListenAddr
        publicAddr = try c.decodeIfPresent(StringOrList.self, forKey: .publicAddr)?.values ?? []
        httpsKeyPairs = try c.decodeIfPresent([KeyPair].self, forKey: .httpsKeyPairs) ?? []
        listenBacklog = try c.decodeListenBacklog(forKey: .listenBacklog)
    }
}
