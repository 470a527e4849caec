import Agent
import Foundation
import JoinCore
import Logging
import ProxyService
import Server
import TestSupport
import Transport

/// A Proxy Service in front of a benchmark's Auth server, set up as `teleport start` runs one
/// beside the Auth service with no `https_keypairs`: a Proxy-role identity issued by the Auth
/// server's host CA, a self-signed web certificate kept in a scratch `data_dir`, and the
/// listen backlog left to its default. Joiners reach it as nodes with `proxy_server` and
/// `ca_path` (the proxy's `webcert.pem`) do, through ``ClusterRoute``, so a storm through it
/// takes the production route: TLS to the web port, the proxy's internal join server, and the
/// proxy's one mTLS connection to the Auth server.
final class BenchProxy: Sendable {
    /// The web address joiners dial.
    let address: AuthAddress
    /// How joiners reach the cluster through this proxy.
    let dialer: ClusterDialer
    private let task: Task<Void, any Error>
    private let directory: URL

    /// Starts the proxy in front of `cluster`, whose Auth server listens at `authAddress`, and
    /// returns once its web port is open.
    init(inFrontOf cluster: TestCluster, authAddress: AuthAddress) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-bench-proxy-\(UUID().uuidString)")
        let logger = Logger(label: "bench-proxy")
        let web = try ProxyWebCertificate.load(
            keyPairs: [], publicAddresses: [], webListenAddress: "127.0.0.1:0", dataDirectory: directory,
            field: "proxy_service.https_keypairs", logger: logger)
        let identity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: "bench-proxy", role: .proxy,
                                                  now: Date())
        let settings = ProxyServiceSettings(
            webListenHost: "127.0.0.1", webListenPort: 0, publicAddresses: [], webCertificateChainPEM: web.chainPEM,
            webPrivateKeyPEM: web.privateKeyPEM, authServer: authAddress,
            identityCertificatePEM: try identity.certificatePEM(), identityPrivateKeyPEM: identity.privateKeyPEM,
            clusterCACertificatesPEM: [try identity.caCertificatesPEM()])
        // Joins never reach the web API; a connection routed there is closed.
        let service = ProxyService(settings: settings, webAPI: { channel in channel.close(promise: nil) }, logger: logger)
        let (listening, announce) = AsyncStream<String>.makeStream()
        let task = Task { try await service.run(onListening: { announce.yield($0); announce.finish() }) }
        var iterator = listening.makeAsyncIterator()
        do {
            guard let bound = await iterator.next() else {
                _ = try await task.value
                throw JoinError.unavailable("the benchmark's Proxy Service stopped before listening")
            }
            let caPath = directory.appendingPathComponent(ProxySelfSignedCA.folder).appendingPathComponent(ProxySelfSignedCA.file)
            let route = try await ClusterRoute.resolve(proxyServer: bound, authServer: nil, caPath: caPath.path, caPathField: "ca_path",
                                                       insecure: false, logger: logger)
            address = route.address
            dialer = route.dialer
        } catch {
            task.cancel()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        self.task = task
        self.directory = directory
    }

    /// Stops the proxy and removes its scratch directory.
    func stop() async {
        task.cancel()
        _ = try? await task.value
        try? FileManager.default.removeItem(at: directory)
    }
}
