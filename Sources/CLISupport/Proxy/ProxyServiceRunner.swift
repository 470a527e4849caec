import CLIKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoineryProto
import JoinCore
import Logging
import ProxyService
import Server
import SwiftASN1
import Transport

/// Runs the Proxy Service that teleport.yaml's `proxy_service` describes. The proxy needs a
/// Proxy-role identity of its own:
/// - beside the Auth service in one process, the Auth server issues it directly;
/// - on its own, the process joins the cluster as a Proxy with its token (like a node), keeps
///   that identity in `data_dir`, and forwards to `teleport.auth_server`; started with other
///   roles too (`--roles=node,proxy`), it joins as an Instance holding all of them — the token
///   must allow each — and also heartbeats as a node while it serves.
public struct ProxyServiceRunner: Sendable {
    let config: FileConfig
    /// The roles this process runs besides the Auth service: `proxy`, and any others.
    let roles: [SystemRole]
    let logger: Logger
    let readiness: ServiceReadiness?

    public init(config: FileConfig, roles: [SystemRole] = [.proxy], logger: Logger, readiness: ServiceReadiness? = nil) {
        self.config = config
        self.roles = roles.contains(.proxy) ? roles : roles + [.proxy]
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
                        caPEMs: [try identity.caCertificatesPEM()],
                        userCAPEMs: try server.authorities.user.trustedTLSCertificates.map { try $0.serializeAsPEM().pemString + "\n" })
    }

    /// A proxy without the Auth service: joins as a Proxy, or as an Instance with its other
    /// roles (or reuses its identity), then serves — and heartbeats when it runs a node too.
    public func run() async throws {
        let agent = try await NodeRunner(config: config, roles: roles, insecure: false, logger: logger).makeAgent()
        let identity = try await agent.identity()
        let authServer = try AuthAddress(parsing: identity.authServer)
        let serveProxy: @Sendable () async throws -> Void = {
            try await serve(clusterName: identity.clusterName, authServer: authServer,
                            certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                            caPEMs: identity.tlsCACertificates)
        }
        guard roles.contains(where: { $0 != .proxy }) else { return try await serveProxy() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await serveProxy() }
            group.addTask { try await agent.heartbeat(as: identity) }
        }
    }

    /// - Parameter userCAPEMs: the user CA's certificates, which users' certificates are checked
    ///   against on the SSH route; nil to ask the Auth server for them.
    private func serve(clusterName: String, authServer: AuthAddress, certificatePEM: String, keyPEM: String,
                       caPEMs: [String], userCAPEMs: [String]? = nil) async throws {
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
        var settings = ProxyServiceSettings(
            webListenHost: listen.host, webListenPort: listen.port, publicAddresses: proxyConfig.publicAddr,
            webCertificateChainPEM: web.chainPEM, webPrivateKeyPEM: web.privateKeyPEM, authServer: authServer,
            identityCertificatePEM: certificatePEM, identityPrivateKeyPEM: keyPEM, clusterCACertificatesPEM: caPEMs)
        settings.listenBacklog = proxyConfig.listenBacklog
        let api = ProxyWebAPI(clusterName: clusterName, serverVersion: JoineryVersion.current,
                              webListenAddress: listen.description, publicAddresses: proxyConfig.publicAddr)
        // The web app's calls (sign-ins, invites) and the SSH route's node lookups go to the
        // Auth server as this proxy.
        let authClient = GRPCClient(transport: try AuthTransports.authenticated(
            authServer, certificatePEM: certificatePEM, keyPEM: keyPEM, trustedCAsPEM: caPEMs))
        let access = Joinery_V1_AccessService.Client(wrapping: authClient)
        let app = ProxyWebApp(api: api, access: access, authServer: authServer,
                              proxyAddress: proxyConfig.publicAddr.first ?? listen.description)
        let readiness = self.readiness
        let logger = self.logger
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await authClient.runConnections() }
            defer { authClient.beginGracefulShutdown() }
            var settings = settings
            if let userCAPEMs {
                settings.userCACertificatesPEM = userCAPEMs
            } else {
                settings.userCACertificatesPEM = try await Self.userCertificateAuthority(access, authServer: authServer, logger: logger)
            }
            let service = ProxyService(settings: settings, webAPI: ProxyWebPipeline.make(app), logger: logger,
                                       nodeResolver: AuthNodeResolver(access: access, authServer: authServer, clusterName: clusterName))
            try await service.run(onListening: { _ in readiness?.markReady() })
        }
    }

    /// The user CA's certificates, asked of the Auth server until it answers (a proxy may start
    /// before its Auth server is reachable).
    static func userCertificateAuthority(_ access: Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>,
                                         authServer: AuthAddress, logger: Logger) async throws -> [String] {
        var warned = false
        while true {
            do {
                return try await RPCErrorTranslation.translating(authServer) {
                    try await access.getUserCertAuthority(Joinery_V1_GetUserCertAuthorityRequest()).tlsCertificatesPem
                }
            } catch let error as JoinError where error.kind == .accessDenied {
                throw error
            } catch {
                if !warned {
                    logger.warning("waiting for the Auth server to learn the user CA", metadata: ["error": "\(error)"])
                    warned = true
                }
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
