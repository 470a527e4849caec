import Transport
import Foundation
import ReverseTunnel

/// What a Proxy Service needs to run: where it listens, the certificate it shows clients, and
/// how it reaches the Auth server (address and the proxy's own cluster identity).
public struct ProxyServiceSettings: Sendable {
    /// The web address (`proxy_service.web_listen_addr`, default `0.0.0.0:3080`).
    public var webListenHost: String
    public var webListenPort: Int
    /// `proxy_service.public_addr`: how clients name this proxy, reported by `/webapi/ping`.
    public var publicAddresses: [String]
    /// The web certificate chain (leaf first) and its key, PEM.
    public var webCertificateChainPEM: [String]
    public var webPrivateKeyPEM: String
    /// The Auth server joins are forwarded to, and tunnels lead to.
    public var authServer: AuthAddress
    /// The proxy's Proxy-role certificate and key, and the cluster CAs to trust the Auth
    /// server with.
    public var identityCertificatePEM: String
    public var identityPrivateKeyPEM: String
    public var clusterCACertificatesPEM: [String]
    /// The cluster's user CA certificates (PEM): the only issuers of the user certificates
    /// accepted on the SSH route (`joinery-proxy-ssh`). Empty: the route is off, and says so at start.
    public var userCACertificatesPEM: [String] = []
    /// Reverse tunnels: how often nodes are pinged, how many pings they may miss, how long a
    /// dial waits for a node to connect back.
    public var reverseTunnels = TunnelRegistry.Settings()
    /// The largest gRPC message accepted from a client.
    public var maximumMessageBytes: Int = 256 * 1024
    /// The longest one forwarded join may last.
    public var joinTimeout: Duration = .seconds(90)
    /// A connection that has not finished its TLS handshake by then is closed.
    public var handshakeTimeout: Duration = .seconds(10)
    /// `proxy_service.listen_backlog`, for the web port and the internal join server; nil asks
    /// for the kernel's maximum (`ListenBacklog`).
    public var listenBacklog: Int?

    public init(webListenHost: String, webListenPort: Int, publicAddresses: [String], webCertificateChainPEM: [String],
                webPrivateKeyPEM: String, authServer: AuthAddress, identityCertificatePEM: String,
                identityPrivateKeyPEM: String, clusterCACertificatesPEM: [String]) {
        self.webListenHost = webListenHost
        self.webListenPort = webListenPort
        self.publicAddresses = publicAddresses
        self.webCertificateChainPEM = webCertificateChainPEM
        self.webPrivateKeyPEM = webPrivateKeyPEM
        self.authServer = authServer
        self.identityCertificatePEM = identityCertificatePEM
        self.identityPrivateKeyPEM = identityPrivateKeyPEM
        self.clusterCACertificatesPEM = clusterCACertificatesPEM
    }
}
