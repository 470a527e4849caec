import Foundation
import JoinCore
import Logging
import ProxyService
import ReverseTunnel
import Server
import TestSupport
import Transport

/// One cluster with a real Auth server, a real Proxy Service on 127.0.0.1 with a web
/// certificate from a private web CA, and the identities to play nodes and users with.
/// Everything a test starts through it is stopped by ``stop()``.
final class ServerAccessLab: @unchecked Sendable {
    static let node1 = "4f1e2d3c-node-1"

    let cluster: TestCluster
    let identities: ClusterIdentities
    let web: WebCertificate
    let proxyIdentity: TestIdentity
    let resolver = TestResolver()
    let logger = Logger(label: "server-access-test")
    private(set) var proxy: ProxyUnderTest!
    private var agents: [AgentUnderTest] = []
    private let authAddress: AuthAddress

    private init(cluster: TestCluster, authAddress: AuthAddress) throws {
        self.cluster = cluster
        self.authAddress = authAddress
        identities = ClusterIdentities(host: cluster.server.authorities.host, user: cluster.server.authorities.user)
        web = try WebCertificate.make()
        proxyIdentity = try identities.proxy()
    }

    static func start() async throws -> ServerAccessLab {
        let cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: []))
        let auth = try await cluster.start()
        let lab = try ServerAccessLab(cluster: cluster, authAddress: auth)
        lab.resolver.add(["node-1", node1], ResolvedNode(hostID: node1))
        try await lab.startProxy()
        return lab
    }

    func proxySettings(port: Int) -> ProxyServiceSettings {
        var settings = ProxyServiceSettings(
            webListenHost: "127.0.0.1", webListenPort: port, publicAddresses: [], webCertificateChainPEM: web.chainPEM,
            webPrivateKeyPEM: web.keyPEM, authServer: authAddress, identityCertificatePEM: proxyIdentity.certificatePEM,
            identityPrivateKeyPEM: proxyIdentity.privateKeyPEM, clusterCACertificatesPEM: [identities.hostCAPEM])
        settings.userCACertificatesPEM = [identities.userCAPEM]
        settings.handshakeTimeout = .seconds(3)
        settings.reverseTunnels = TunnelRegistry.Settings(keepAliveInterval: .milliseconds(300), dialTimeout: .seconds(3))
        return settings
    }

    /// Starts the proxy, on `port` (a restart) or a free one.
    func startProxy(port: Int = 0) async throws {
        proxy = try await ProxyUnderTest.start(settings: proxySettings(port: port), resolver: resolver, logger: logger)
    }

    /// Trusts the proxy's web certificate as `ca_path` would.
    var dialer: ClusterDialer { ClusterDialer(proxy: .init(trustRoots: [web.ca])) }

    var quickBackoff: ReconnectBackoff { ReconnectBackoff(initial: .milliseconds(100), maximum: .milliseconds(500), resetAfter: .seconds(1)) }

    /// Starts a node's agent; it runs until ``stop()``.
    @discardableResult
    func startAgent(_ identity: TestIdentity, hostCAsPEM: [String]? = nil, proxyAddress: AuthAddress? = nil,
                    dialer: ClusterDialer? = nil, acceptor: @escaping ReverseTunnelAgent.Acceptor) -> ReverseTunnelAgent {
        let settings = ReverseTunnelAgentSettings(
            proxyAddress: proxyAddress ?? proxy.address, dialer: dialer ?? self.dialer, certificatePEM: identity.certificatePEM,
            privateKeyPEM: identity.privateKeyPEM, hostCACertificatesPEM: hostCAsPEM ?? [identities.hostCAPEM],
            backoff: quickBackoff, connectTimeout: .seconds(3), readyTimeout: .seconds(3))
        let agent = ReverseTunnelAgent(settings: settings, acceptor: acceptor, logger: logger)
        agents.append(AgentUnderTest(agent))
        return agent
    }

    func sshDialer(_ user: TestIdentity) -> ProxySSHDialer {
        ProxySSHDialer(proxyAddress: proxy.address, dialer: dialer, userCertificatePEM: user.certificatePEM,
                       userPrivateKeyPEM: user.privateKeyPEM, hostCACertificatesPEM: [identities.hostCAPEM],
                       connectTimeout: .seconds(3), answerTimeout: .seconds(5), logger: logger)
    }

    func stop() async {
        for agent in agents { await agent.stop() }
        await proxy?.stop()
        await cluster.stop()
    }
}
