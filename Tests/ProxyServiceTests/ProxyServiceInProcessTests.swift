import Agent
import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import NIOCore
import NIOPosix
import ProxyService
import Server
import StaticJoin
import SwiftASN1
import TestSupport
import TokenJoin
import Transport
import X509
import XCTest

/// The Proxy Service in one process with an Auth server: joins through it, what a client can
/// and cannot tell the Auth server through it, and the connection bookkeeping behind the
/// client addresses.
final class ProxyServiceInProcessTests: XCTestCase {
    private var cluster: TestCluster!
    private var proxyTask: Task<Void, any Error>?
    private var proxyAddress: AuthAddress!
    private var service: ProxyService!
    private let token = "proxy-in-process-token-0123456789"

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]))
        let auth = try await cluster.start()
        try await cluster.addToken(token, roles: [.node])
        let identity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: "proxy-under-test",
                                                  role: .proxy, now: Date())
        let web = try Self.webCertificate()
        var settings = ProxyServiceSettings(
            webListenHost: "127.0.0.1", webListenPort: 0, publicAddresses: [],
            webCertificateChainPEM: [web.certificatePEM], webPrivateKeyPEM: web.keyPEM, authServer: auth,
            identityCertificatePEM: try identity.certificatePEM(), identityPrivateKeyPEM: identity.privateKeyPEM,
            clusterCACertificatesPEM: [try identity.caCertificatesPEM()])
        settings.handshakeTimeout = .seconds(1)
        let service = ProxyService(settings: settings, webAPI: { channel in channel.close(promise: nil) }, logger: Logger(label: "proxy"))
        self.service = service
        let (listening, announce) = AsyncStream<String>.makeStream()
        proxyTask = Task { try await service.run(onListening: { announce.yield($0); announce.finish() }) }
        var iterator = listening.makeAsyncIterator()
        let announced = await iterator.next()
        let bound = try XCTUnwrap(announced, "the proxy did not start")
        proxyAddress = try AuthAddress(parsing: bound)
    }

    override func tearDown() async throws {
        proxyTask?.cancel()
        _ = try? await proxyTask?.value
        await cluster.stop()
    }

    private var viaProxy: ClusterDialer { ClusterDialer(proxy: .init(insecure: true)) }

    func testANodeJoinsThroughTheProxyAndHeartbeatsThroughTheAuthTunnel() async throws {
        var parameters = JoinParameters(authServer: proxyAddress, tokenName: token, method: "token", role: .node, nodeName: "via-proxy")
        parameters.dialer = viaProxy
        let identity = try await cluster.joinClient().join(parameters)
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)

        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.last)
        XCTAssertTrue(event.success)
        XCTAssertTrue(event.remoteAddress.hasPrefix("127.0.0.1:"), event.remoteAddress)
        XCTAssertNotNil(event.attributes["forwarded_by_proxy"])
        XCTAssertNotEqual(event.attributes["forwarded_by_proxy"], event.remoteAddress)
        // Every relayed connection is forgotten once closed.
        try await waitUntil { self.service.origins.count == 0 }

        // The authenticated tunnel: the node's own mTLS session reaches the Auth server.
        var heartbeater = Heartbeater(identity: identity, authServers: [proxyAddress],
                                      announcement: .init(hostname: "via-proxy", address: "", labels: [:]),
                                      interval: .seconds(30), logger: Logger(label: "hb"))
        heartbeater.dialer = viaProxy
        let ttl = try await viaProxy.withAuthenticatedTransport(
            proxyAddress, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
            trustedCAsPEM: identity.tlsCACertificates
        ) { transport in
            try await withGRPCClient(transport: transport) { client in
                try await heartbeater.beatOnce(client, to: self.proxyAddress)
            }
        }
        XCTAssertGreaterThan(ttl, 0)
        let listed = try await cluster.server.nodes.list()
        XCTAssertTrue(listed.contains { $0.hostname == "via-proxy" }, "\(listed)")
    }

    func testAClientCannotChooseTheAddressTheProxyForwards() async throws {
        var claimed = InMemoryJoinStream.clientInit(token: token)
        claimed.clientInit.forwardedByProxy = .with { $0.remoteAddr = "203.0.113.9:4444" }
        let request = claimed
        let outcome = try await viaProxy.withJoinTransport(proxyAddress, authTLS: AuthTransports.unverified) { transport in
            try await withGRPCClient(transport: transport) { client in
                let service = Joinery_V1_JoinService.Client(wrapping: client)
                return try await service.join(request: StreamingClientRequest { writer in try await writer.write(request) }) { response in
                    var last: Joinery_V1_JoinResponse?
                    for try await message in response.messages { last = message }
                    return last
                }
            }
        }
        guard case .result? = outcome?.payload else { return XCTFail("no join result: \(String(describing: outcome))") }
        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.last)
        XCTAssertTrue(event.success)
        XCTAssertNotEqual(event.remoteAddress, "203.0.113.9:4444")
        XCTAssertTrue(event.remoteAddress.hasPrefix("127.0.0.1:"), event.remoteAddress)
    }

    func testRefusalsFromTheAuthServerReachTheClientWithTheirStatus() async throws {
        var parameters = JoinParameters(authServer: proxyAddress, tokenName: "no-such-token-0123456789abcdef", method: "token",
                                        role: .node, nodeName: "refused")
        parameters.dialer = viaProxy
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("an unknown token joined through the proxy")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("token expired or not found"), error.message)
        }
    }

    func testSilentAndGarbageConnectionsAreDroppedAndTheProxyKeepsServing() async throws {
        // One client says nothing; another sends bytes that are not TLS.
        let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: proxyAddress.host, port: proxyAddress.port).get()
        let garbage = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: proxyAddress.host, port: proxyAddress.port).get()
        try await garbage.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).get()
        for channel in [silent, garbage] {
            let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await channel.closeFuture.get(); return true }
                group.addTask { try await Task.sleep(for: .seconds(5)); return false }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            XCTAssertTrue(closed, "the proxy kept a connection that never completed a TLS handshake")
            try? await channel.close()
        }
        var parameters = JoinParameters(authServer: proxyAddress, tokenName: token, method: "token", role: .node, nodeName: "after")
        parameters.dialer = viaProxy
        _ = try await cluster.joinClient().join(parameters)
    }

    func testConnectionOriginsMapRelayPortsAndFallBackToThePeer() throws {
        let origins = ConnectionOrigins()
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:40000"), "127.0.0.1:40000")
        let registration = try XCTUnwrap(origins.register(
            relay: try NIOCore.SocketAddress(ipAddress: "127.0.0.1", port: 40000), clientAddress: "198.51.100.4:5000"))
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:40000"), "198.51.100.4:5000")
        origins.remove(registration)
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:40000"), "127.0.0.1:40000")
        XCTAssertEqual(origins.clientAddress(forPeer: "unix:/tmp/socket"), "unix:/tmp/socket")
    }

    func testRoutesFollowTheNegotiatedProtocol() {
        XCTAssertEqual(ProxyRoutes.route(for: "http/1.1"), .webAPI)
        XCTAssertEqual(ProxyRoutes.route(for: nil), .webAPI)
        XCTAssertEqual(ProxyRoutes.route(for: "grpc-exp"), .joinService)
        XCTAssertEqual(ProxyRoutes.route(for: "h2"), .joinService)
        XCTAssertEqual(ProxyRoutes.route(for: "joinery-auth"), .authTunnel)
        // Server preference: curl's h2 + http/1.1 gets the web API; gRPC's grpc-exp + h2 gets gRPC.
        XCTAssertLessThan(ProxyRoutes.offered.firstIndex(of: "http/1.1")!, ProxyRoutes.offered.firstIndex(of: "h2")!)
        XCTAssertLessThan(ProxyRoutes.offered.firstIndex(of: "grpc-exp")!, ProxyRoutes.offered.firstIndex(of: "http/1.1")!)
    }

    private func waitUntil(_ condition: @escaping () -> Bool) async throws {
        for _ in 0..<100 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertTrue(condition())
    }

    private static func webCertificate() throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("proxy.test") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName("proxy.test")]) },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
