import Transport

/// What a node's ``ReverseTunnelAgent`` needs: the proxy's web address and how to reach and
/// trust it (the same ``ClusterDialer`` settings a join through the proxy uses: `ca_path`,
/// `--insecure`, `HTTPS_PROXY`), and the node's own identity to present inside.
public struct ReverseTunnelAgentSettings: Sendable {
    /// The Proxy Service's web address (`proxy_server`).
    public var proxyAddress: AuthAddress
    /// The web certificate's trust (``ClusterDialer/proxy``; the system store when nil) and the
    /// HTTP CONNECT proxy (``ClusterDialer/environment``).
    public var dialer: ClusterDialer
    /// The node's host identity: its X.509 certificate and key (PEM), and the cluster's host CA
    /// certificates, which must have issued the proxy's Proxy certificate.
    public var certificatePEM: String
    public var privateKeyPEM: String
    public var hostCACertificatesPEM: [String]
    public var backoff: ReconnectBackoff
    /// How long one connection may take to be ready (TCP, CONNECT, both TLS handshakes).
    public var connectTimeout: Duration
    /// How long the proxy has to answer `ready` on a new control connection.
    public var readyTimeout: Duration
    /// The proxy's keepalives the agent may miss in a row before it treats the tunnel as dead.
    public var allowedMissedKeepAlives: Int

    public init(proxyAddress: AuthAddress, dialer: ClusterDialer, certificatePEM: String, privateKeyPEM: String,
                hostCACertificatesPEM: [String], backoff: ReconnectBackoff = ReconnectBackoff(),
                connectTimeout: Duration = .seconds(10), readyTimeout: Duration = .seconds(10), allowedMissedKeepAlives: Int = 3) {
        self.proxyAddress = proxyAddress
        self.dialer = dialer
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.hostCACertificatesPEM = hostCACertificatesPEM
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.readyTimeout = readyTimeout
        self.allowedMissedKeepAlives = allowedMissedKeepAlives
    }
}
