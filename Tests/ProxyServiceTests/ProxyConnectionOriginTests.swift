import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ProxyService
import Server
import StaticJoin
import SwiftASN1
import TestSupport
import TokenJoin
import Transport
import X509
import XCTest

/// The Proxy Service tells the Auth server where a forwarded client is by looking up the peer
/// of its internal loopback server. These tests build, on real sockets, the connection that a
/// lookup by port alone would confuse: a live relay on `127.0.0.1:P` and a second connection
/// to the internal server from `127.0.0.2:P`, the same source port on another loopback
/// address. The second one must be reported as itself, never as the relay's client.
final class ProxyConnectionOriginTests: XCTestCase {
    private var cluster: TestCluster!
    private var proxyTask: Task<Void, any Error>?
    private var proxyAddress: AuthAddress!
    private var service: ProxyService!
    private var opened: [any Channel] = []
    private let token = "proxy-origin-token-0123456789abcd"

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]))
        let auth = try await cluster.start()
        try await cluster.addToken(token, roles: [.node])
        let identity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: "proxy-origins",
                                                  role: .proxy, now: Date())
        let web = try Self.webCertificate()
        var settings = ProxyServiceSettings(
            webListenHost: "127.0.0.1", webListenPort: 0, publicAddresses: [],
            webCertificateChainPEM: [web.certificatePEM], webPrivateKeyPEM: web.keyPEM, authServer: auth,
            identityCertificatePEM: try identity.certificatePEM(), identityPrivateKeyPEM: identity.privateKeyPEM,
            clusterCACertificatesPEM: [try identity.caCertificatesPEM()])
        settings.handshakeTimeout = .seconds(5)
        let service = ProxyService(settings: settings, webAPI: { channel in channel.close(promise: nil) }, logger: Logger(label: "proxy"))
        self.service = service
        let (listening, announce) = AsyncStream<String>.makeStream()
        proxyTask = Task { try await service.run(onListening: { announce.yield($0); announce.finish() }) }
        var iterator = listening.makeAsyncIterator()
        let announced = await iterator.next()
        proxyAddress = try AuthAddress(parsing: try XCTUnwrap(announced, "the proxy did not start"))
    }

    override func tearDown() async throws {
        for channel in opened { try? await channel.close() }
        proxyTask?.cancel()
        _ = try? await proxyTask?.value
        await cluster.stop()
    }

    func testAConnectionFromAnotherLoopbackAddressWithTheRelaysPortIsNotTakenForTheRelaysClient() async throws {
        // A real relay: a TLS client asking for gRPC on the web port, held open.
        let client = try await openRelayedClient()
        let clientAddress = try XCTUnwrap(client.localAddress.flatMap(ConnectionOrigins.key(for:)))
        try await waitUntil { self.service.origins.count == 1 }
        let relay = try XCTUnwrap(service.origins.relayAddresses.first)
        XCTAssertEqual(service.origins.clientAddress(forPeer: "ipv4:" + relay), clientAddress, "the relay itself maps to its client")
        let relayPort = try XCTUnwrap(Int(relay.split(separator: ":").last ?? ""))
        var found: Int?
        for _ in 0..<50 where found == nil {
            found = try Self.remotePort(ofEstablishedLocal: relay)
            if found == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let internalPort = try XCTUnwrap(found, "no established relay connection for \(relay)")

        // The impostor: the same source port as the relay, on 127.0.0.2, straight to the
        // internal join server (through a small TCP forwarder that binds its source).
        let impostorSource = try NIOCore.SocketAddress(ipAddress: "127.0.0.2", port: relayPort)
        let forwarder = try await Self.forwarder(to: internalPort, from: impostorSource)
        opened.append(forwarder)
        let forwarderPort = try XCTUnwrap(forwarder.localAddress?.port)
        let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: forwarderPort),
                                                       transportSecurity: .plaintext)
        let request = InMemoryJoinStream.clientInit(token: token, nodeName: "impostor")
        let outcome = try await withGRPCClient(transport: transport) { grpc in
            try await Joinery_V1_JoinService.Client(wrapping: grpc).join(
                request: StreamingClientRequest { writer in try await writer.write(request) }
            ) { response in
                var last: Joinery_V1_JoinResponse?
                for try await message in response.messages { last = message }
                return last
            }
        }
        guard case .result? = outcome?.payload else { return XCTFail("the join did not complete: \(String(describing: outcome))") }
        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.last)
        XCTAssertNotEqual(event.remoteAddress, clientAddress, "the impostor was reported as the relay's client")
        XCTAssertEqual(event.remoteAddress, "127.0.0.2:\(relayPort)")
        XCTAssertEqual(service.origins.clientAddress(forPeer: "ipv4:" + relay), clientAddress, "the relay's entry is untouched")
    }

    func testARegistrationIsOnlyRemovedByTheConnectionThatMadeIt() throws {
        let origins = ConnectionOrigins()
        let relay = try NIOCore.SocketAddress(ipAddress: "127.0.0.1", port: 41000)
        let first = try XCTUnwrap(origins.register(relay: relay, clientAddress: "198.51.100.1:1000"))
        let second = try XCTUnwrap(origins.register(relay: relay, clientAddress: "198.51.100.2:2000"))
        origins.remove(first)
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:41000"), "198.51.100.2:2000")
        origins.remove(second)
        XCTAssertEqual(origins.count, 0)
    }

    func testLookupsMatchTheWholeAddressNotThePort() throws {
        let origins = ConnectionOrigins()
        _ = try XCTUnwrap(origins.register(relay: try NIOCore.SocketAddress(ipAddress: "127.0.0.1", port: 42000),
                                           clientAddress: "198.51.100.4:5000"))
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.2:42000"), "127.0.0.2:42000")
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv6:[::1]:42000"), "[::1]:42000")
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:42001"), "127.0.0.1:42001")
        XCTAssertEqual(origins.clientAddress(forPeer: "42000"), "42000")
        XCTAssertEqual(origins.clientAddress(forPeer: "ipv4:127.0.0.1:42000"), "198.51.100.4:5000")
    }

    // MARK: - Helpers

    /// A TLS connection to the web port negotiating `h2`, which the proxy relays to its
    /// internal join server.
    private func openRelayedClient() async throws -> any Channel {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                }
            }
            .connect(host: proxyAddress.host, port: proxyAddress.port).get()
        opened.append(channel)
        return channel
    }

    /// Listens on 127.0.0.1 and carries each connection to `127.0.0.1:port` from `source`.
    private static func forwarder(to port: Int, from source: NIOCore.SocketAddress) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: true)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .bind(to: source)
                    .connect(host: "127.0.0.1", port: port)
                    .flatMap { outbound in ChannelGlue.glue(inbound, outbound) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// The remote port of the established TCP connection whose local end is `local`
    /// (`127.0.0.1:P`), read from /proc/net/tcp.
    private static func remotePort(ofEstablishedLocal local: String) throws -> Int? {
        let parts = local.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        // /proc shows the IPv4 address as a little-endian 32-bit hex number.
        let hexAddress = octets.reversed().map { String(format: "%02X", $0) }.joined()
        let wanted = "\(hexAddress):\(String(format: "%04X", port))"
        // Read to the end: /proc tables report no size and come in pages.
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/net/tcp"))
        defer { try? handle.close() }
        let table = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 3, fields[1] == wanted, fields[3] == "01" else { continue }
            return fields[2].split(separator: ":").last.flatMap { Int($0, radix: 16) }
        }
        return nil
    }

    private func waitUntil(_ condition: @escaping () -> Bool) async throws {
        for _ in 0..<250 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
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
