import CLIKit
import Foundation
import JoinCore
import Logging
import ProxyService
import Server
import Transport

/// Runs the Proxy Service that teleport.yaml's `proxy_service` describes. The proxy needs a
/// Proxy-role identity of its own:
/// - beside the Auth service in one process, the Auth server issues it directly;
/// - on its own, the process joins the cluster as a Proxy with its token (like a node), keeps
///   that identity in `data_dir`, and forwards to `teleport.auth_server`.
public struct ProxyServiceRunner: Sendable {
    let config: FileConfig
    let logger: Logger
    let readiness: ServiceReadiness?

    public init(config: FileConfig, logger: Logger, readiness: ServiceReadiness? = nil) {
        self.config = config
        self.logger = logger
        self.readiness = readiness
    }

    /// The proxy of a process that also runs the Auth service listening at `authAddress`.
    func runBeside(_ server: AuthServer, authAddress: AuthAddress) async throws {
        let dataDirectory = URL(fileURLWithPath: config.teleport.dataDir)
        let hostID = try PersistedHostID.load(named: "proxy_host_uuid", in: dataDirectory)
        let identity = try LocalTLSIdentity.issue(
            hostCA: server.authorities.host, hostID: hostID, role: .proxy,
            nodeName: config.teleport.nodeName ?? HostName.current, now: Date())
        // An Auth server listening on every interface is reached on loopback.
        let local = ["0.0.0.0", "::", ""].contains(authAddress.host) ? AuthAddress(host: "127.0.0.1", port: authAddress.port) : authAddress
        try await serve(clusterName: server.settings.clusterName, authServer: local,
                        certificatePEM: try identity.certificatePEM(), keyPEM: identity.privateKeyPEM,
                        caPEMs: [try identity.caCertificatesPEM()])
    }

    /// A proxy on its own: joins as a Proxy (or reuses its identity), then serves.
    public func run() async throws {
        let identity = try await NodeRunner(config: config, roles: [.proxy], insecure: false, logger: logger).makeAgent().identity()
        let authServer = try AuthAddress(parsing: identity.authServer)
        try await serve(clusterName: identity.clusterName, authServer: authServer,
                        certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                        caPEMs: identity.tlsCACertificates)
    }

    private func serve(clusterName: String, authServer: AuthAddress, certificatePEM: String, keyPEM: String,
                       caPEMs: [String]) async throws {
        let proxyConfig = config.proxyService
        let listen: AuthAddress
        do {
            listen = try AuthAddress(parsing: proxyConfig.webListenAddr)
        } catch let error as JoinError {
            throw JoinError.badParameter("\(config.fileName): proxy_service.web_listen_addr: \(error.message)")
        }
        let web = try ProxyWebCertificate.load(
            keyPairs: proxyConfig.httpsKeyPairs.map { (certFile: $0.certFile, keyFile: $0.keyFile) },
            publicAddresses: proxyConfig.publicAddr, webListenAddress: proxyConfig.webListenAddr,
            dataDirectory: URL(fileURLWithPath: config.teleport.dataDir),
            field: "\(config.fileName): proxy_service.https_keypairs", logger: logger)
        let settings = ProxyServiceSettings(
            webListenHost: listen.host, webListenPort: listen.port, publicAddresses: proxyConfig.publicAddr,
            webCertificateChainPEM: web.chainPEM, webPrivateKeyPEM: web.privateKeyPEM, authServer: authServer,
            identityCertificatePEM: certificatePEM, identityPrivateKeyPEM: keyPEM, clusterCACertificatesPEM: caPEMs)
        let api = ProxyWebAPI(clusterName: clusterName, serverVersion: JoineryVersion.current,
                              webListenAddress: listen.description, publicAddresses: proxyConfig.publicAddr)
        let service = ProxyService(settings: settings, webAPI: ProxyWebAPIResponder.pipeline(api), logger: logger)
        let readiness = self.readiness
        try await service.run(onListening: { _ in readiness?.markReady() })
    }
}
