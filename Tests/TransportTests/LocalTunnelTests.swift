import Crypto
import Foundation
@testable import Transport
import JoinCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import Synchronization
import TestSupport
import X509
import XCTest

/// The local tunnel on 127.0.0.1: direct, through a real tinyproxy (with and without
/// BasicAuth), through a scripted proxy for the edges of the CONNECT exchange, and inside an
/// outer TLS session with a NIOSSL echo server whose certificates are made here.
final class LocalTunnelTests: XCTestCase {
    private let logger = Logger(label: "local-tunnel-tests")

    // MARK: Direct and through tinyproxy

    func testDirectTunnelCarriesBytesBothWays() async throws {
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start())
            try await LocalTunnel.with(host: "127.0.0.1", port: echo.port, via: nil, outerTLS: nil, logger: logger) { tunnel in
                // Large enough to need several reads and writes, so back-pressure is exercised.
                let payload = Self.payload(count: 256 * 1024)
                let reply = try await Self.exchange(port: tunnel.port, sending: payload)
                XCTAssertEqual(reply.count, payload.count)
                XCTAssertTrue(reply == payload, "the echoed bytes differ from those sent")
                XCTAssertNil(tunnel.lastFailure)
            }
        }
    }

    func testTunnelThroughTinyproxyCarriesBytesAndProxyLogsTheConnect() async throws {
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start())
            let tinyproxy = try started.proxy(TinyProxy.start())
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: tinyproxy.port)
            try await LocalTunnel.with(host: "127.0.0.1", port: echo.port, via: proxy, outerTLS: nil, logger: logger) { tunnel in
                let payload = Self.payload(count: 64 * 1024)
                let reply = try await Self.exchange(port: tunnel.port, sending: payload)
                XCTAssertTrue(reply == payload, "the echoed bytes differ from those sent")
                XCTAssertNil(tunnel.lastFailure)
            }
            try await Self.assertEventually("tinyproxy logs CONNECT 127.0.0.1:\(echo.port)") {
                tinyproxy.logText().contains("CONNECT 127.0.0.1:\(echo.port)")
            }
        }
    }

    func testTinyproxyWithBasicAuthAcceptsTheRightCredentials() async throws {
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start())
            let tinyproxy = try started.proxy(TinyProxy.start(basicAuth: ("joiner", "s3cret-pass")))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: tinyproxy.port, username: "joiner", password: "s3cret-pass")
            try await LocalTunnel.with(host: "127.0.0.1", port: echo.port, via: proxy, outerTLS: nil, logger: logger) { tunnel in
                let reply = try await Self.exchange(port: tunnel.port, sending: Array("through an authenticating proxy".utf8))
                XCTAssertEqual(String(decoding: reply, as: UTF8.self), "through an authenticating proxy")
                XCTAssertNil(tunnel.lastFailure)
            }
        }
    }

    func testTinyproxyWithBasicAuthRefusesWrongCredentialsWithoutShowingThem() async throws {
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start())
            let tinyproxy = try started.proxy(TinyProxy.start(basicAuth: ("joiner", "s3cret-pass")))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: tinyproxy.port, username: "joiner", password: "wrong-pass")
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: proxy, outerTLS: nil, logger: logger)
            XCTAssertEqual(failure.kind, .unavailable)
            // tinyproxy answers wrong credentials with 401 Unauthorized (missing ones with 407).
            XCTAssertTrue(failure.message.contains("refused CONNECT to 127.0.0.1:\(echo.port): 401 Unauthorized; check the user name and password"),
                          failure.message)
            XCTAssertTrue(failure.message.contains(proxy.description), failure.message)
            XCTAssertFalse(failure.message.contains("wrong-pass"), failure.message)
            XCTAssertFalse(failure.message.contains(proxy.proxyAuthorization ?? "-"), failure.message)
        }
    }

    func testTinyproxyWithBasicAuthRefusesMissingCredentialsWith407() async throws {
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start())
            let tinyproxy = try started.proxy(TinyProxy.start(basicAuth: ("joiner", "s3cret-pass")))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: tinyproxy.port)
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: proxy, outerTLS: nil, logger: logger)
            XCTAssertTrue(failure.message.contains(": 407 Proxy Authentication Required; the proxy requires credentials"), failure.message)
        }
    }

    func testUnreachableProxyIsReported() async throws {
        let port = FreePort.next()
        let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: port, username: "joiner", password: "s3cret-pass")
        let failure = try await Self.failure(host: "127.0.0.1", port: 9, proxy: proxy, outerTLS: nil, logger: logger)
        XCTAssertTrue(failure.message.hasPrefix("cannot connect to the HTTP proxy http://127.0.0.1:\(port)"), failure.message)
        XCTAssertFalse(failure.message.contains("s3cret"), failure.message)
    }

    // MARK: The CONNECT exchange, against a scripted proxy

    func testConnectRequestNamesTheDestinationAndCarriesCredentialsOnlyOnTheWire() async throws {
        try await withStarted { started in
            let scripted = try await started.server(ScriptedProxy.start(answer: "HTTP/1.1 200 Connection established\r\n\r\n"))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: scripted.port, username: "joiner", password: "s3cret-pass")
            try await LocalTunnel.with(host: "destination.test", port: 3080, via: proxy, outerTLS: nil, logger: logger) { tunnel in
                let reply = try await Self.exchange(port: tunnel.port, sending: Array("ping".utf8))
                XCTAssertEqual(String(decoding: reply, as: UTF8.self), "ping")
            }
            let head = try XCTUnwrap(scripted.requestHeads.first)
            XCTAssertEqual(head, "CONNECT destination.test:3080 HTTP/1.1\r\nHost: destination.test:3080\r\n"
                + "Proxy-Authorization: \(proxy.proxyAuthorization ?? "")\r\n\r\n")
        }
    }

    func testBytesSentWithTheProxyAnswerAreNotLost() async throws {
        try await withStarted { started in
            let scripted = try await started.server(ScriptedProxy.start(answer: "HTTP/1.1 200 OK\r\nVia: scripted\r\n\r\nserver-speaks-first:"))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: scripted.port)
            try await LocalTunnel.with(host: "127.0.0.1", port: 3080, via: proxy, outerTLS: nil, logger: logger) { tunnel in
                let reply = try await Self.exchange(port: tunnel.port, sending: Array("hello".utf8), expecting: 25)
                XCTAssertEqual(String(decoding: reply, as: UTF8.self), "server-speaks-first:hello")
            }
        }
    }

    func testProxyAnswering407IsReportedWithoutTheCredentials() async throws {
        try await withStarted { started in
            let scripted = try await started.server(ScriptedProxy.start(
                answer: "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n"))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: scripted.port, username: "joiner", password: "s3cret-pass")
            let failure = try await Self.failure(host: "127.0.0.1", port: 3080, proxy: proxy, outerTLS: nil, logger: logger)
            XCTAssertEqual(failure.message, "the HTTP proxy http://127.0.0.1:\(scripted.port) refused CONNECT to 127.0.0.1:3080: "
                + "407 Proxy Authentication Required; check the user name and password in the proxy URL")
            XCTAssertFalse(failure.message.contains("s3cret-pass"))
            XCTAssertFalse(failure.message.contains(proxy.proxyAuthorization ?? "-"))
        }
    }

    func testOversizedProxyAnswerIsRefused() async throws {
        try await withStarted { started in
            let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: " + String(repeating: "a", count: 100) + "\r\n", count: 200)
            let scripted = try await started.server(ScriptedProxy.start(answer: endless))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: scripted.port)
            let failure = try await Self.failure(host: "127.0.0.1", port: 3080, proxy: proxy, outerTLS: nil, logger: logger)
            XCTAssertTrue(failure.message.contains("larger than 16 KiB"), failure.message)
        }
    }

    func testSilentProxyTimesOut() async throws {
        try await withStarted { started in
            let scripted = try await started.server(ScriptedProxy.start(answer: nil))
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: scripted.port)
            let tunnel = try await LocalTunnel.start(host: "127.0.0.1", port: 3080, via: proxy, outerTLS: nil,
                                                     connectTimeout: .milliseconds(500), logger: logger)
            _ = try await Self.exchange(port: tunnel.port, sending: Array("hello".utf8))
            let failure = tunnel.lastFailure
            await tunnel.close()
            XCTAssertTrue(failure?.message.contains("did not answer CONNECT to 127.0.0.1:3080 in time") == true, "\(String(describing: failure))")
        }
    }

    // MARK: Outer TLS

    func testOuterTLSWithTrustedCAAndNameCarriesBytes() async throws {
        try await withTLSEcho { echo, pki in
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-test"], trustRoots: [pki.ca])
            try await self.assertCarriesBytes(port: echo.port, outerTLS: outer)
        }
    }

    func testOuterTLSWithUntrustedCAIsRefusedNamingTheCertificate() async throws {
        try await withTLSEcho { echo, _ in
            let stranger = try TestPKI()
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-test"], trustRoots: [stranger.ca])
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: nil, outerTLS: outer, logger: self.logger)
            XCTAssertEqual(failure.kind, .accessDenied)
            XCTAssertTrue(failure.message.contains("certificate"), failure.message)
            XCTAssertTrue(failure.message.contains("not trusted"), failure.message)
        }
    }

    func testOuterTLSWithWrongServerNameIsRefused() async throws {
        try await withTLSEcho { echo, pki in
            let outer = LocalTunnel.OuterTLS(serverName: "other.test", applicationProtocols: ["joinery-test"], trustRoots: [pki.ca])
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: nil, outerTLS: outer, logger: self.logger)
            XCTAssertEqual(failure.kind, .accessDenied)
            XCTAssertTrue(failure.message.contains("not valid for the name other.test"), failure.message)
            XCTAssertTrue(failure.message.contains("proxy.test, 127.0.0.1"), failure.message)
        }
    }

    func testOuterTLSWithIPServerNameIsCheckedAgainstIPAddresses() async throws {
        try await withTLSEcho { echo, pki in
            let outer = LocalTunnel.OuterTLS(serverName: "127.0.0.1", applicationProtocols: ["joinery-test"], trustRoots: [pki.ca])
            try await self.assertCarriesBytes(port: echo.port, outerTLS: outer)

            let elsewhere = LocalTunnel.OuterTLS(serverName: "127.0.0.2", applicationProtocols: ["joinery-test"], trustRoots: [pki.ca])
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: nil, outerTLS: elsewhere, logger: self.logger)
            XCTAssertTrue(failure.message.contains("not valid for the IP address 127.0.0.2"), failure.message)
        }
    }

    func testOuterTLSWhenServerSelectsNoOfferedALPNProtocolIsRefused() async throws {
        try await withTLSEcho { echo, pki in
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-other"], trustRoots: [pki.ca])
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: nil, outerTLS: outer, logger: self.logger)
            XCTAssertTrue(failure.message.contains("did not select any of the offered ALPN protocols (joinery-other)"), failure.message)
        }
    }

    func testInsecureOuterTLSAcceptsAnUntrustedCertificate() async throws {
        try await withTLSEcho { echo, _ in
            // No roots given: the system store, which does not know the test CA.
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-test"], insecure: true)
            try await self.assertCarriesBytes(port: echo.port, outerTLS: outer)
        }
    }

    func testOuterTLSWithSystemRootsRefusesTheTestCA() async throws {
        try await withTLSEcho { echo, _ in
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-test"])
            let failure = try await Self.failure(host: "127.0.0.1", port: echo.port, proxy: nil, outerTLS: outer, logger: self.logger)
            XCTAssertEqual(failure.kind, .accessDenied)
            XCTAssertTrue(failure.message.contains("not trusted"), failure.message)
        }
    }

    func testOuterTLSThroughTinyproxyCarriesBytes() async throws {
        try await withTLSEcho { echo, pki in
            let tinyproxy = try TinyProxy.start()
            defer { tinyproxy.stop() }
            let proxy = OutboundProxy(scheme: .http, host: "127.0.0.1", port: tinyproxy.port)
            let outer = LocalTunnel.OuterTLS(serverName: "proxy.test", applicationProtocols: ["joinery-test"], trustRoots: [pki.ca])
            try await self.assertCarriesBytes(port: echo.port, proxy: proxy, outerTLS: outer)
            try await Self.assertEventually("tinyproxy logs CONNECT 127.0.0.1:\(echo.port)") {
                tinyproxy.logText().contains("CONNECT 127.0.0.1:\(echo.port)")
            }
        }
    }

    // MARK: Helpers

    private func assertCarriesBytes(port: Int, proxy: OutboundProxy? = nil, outerTLS: LocalTunnel.OuterTLS,
                                    file: StaticString = #filePath, line: UInt = #line) async throws {
        try await LocalTunnel.with(host: "127.0.0.1", port: port, via: proxy, outerTLS: outerTLS, logger: logger) { tunnel in
            let payload = Self.payload(count: 100 * 1024)
            let reply = try await Self.exchange(port: tunnel.port, sending: payload)
            XCTAssertTrue(reply == payload, "the echoed bytes differ (\(reply.count) of \(payload.count) bytes); "
                + "last failure: \(String(describing: tunnel.lastFailure))", file: file, line: line)
        }
    }

    /// Starts a TLS echo server for "proxy.test" and 127.0.0.1, offering ALPN joinery-test and h2.
    private func withTLSEcho(_ body: (EchoServer, TestPKI) async throws -> Void) async throws {
        let pki = try TestPKI()
        try await withStarted { started in
            let echo = try await started.server(EchoServer.start(tls: pki.serverConfiguration(applicationProtocols: ["joinery-test", "h2"])))
            try await body(echo, pki)
        }
    }

    /// Opens one connection through a fresh tunnel and returns why the tunnel refused it.
    private static func failure(host: String, port: Int, proxy: OutboundProxy?, outerTLS: LocalTunnel.OuterTLS?,
                                logger: Logger) async throws -> JoinError {
        try await LocalTunnel.with(host: host, port: port, via: proxy, outerTLS: outerTLS, logger: logger) { tunnel in
            let reply = try await exchange(port: tunnel.port, sending: Array("never echoed".utf8))
            XCTAssertEqual(reply, [], "bytes came back through a tunnel that should have failed")
            return try XCTUnwrap(tunnel.lastFailure, "the tunnel recorded no failure")
        }
    }

    private static func payload(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 251) }
    }

    /// Connects to the tunnel, sends `payload`, and reads until `expecting` bytes (default: as
    /// many as sent) arrived or the connection ended; at most 15 s.
    private static func exchange(port: Int, sending payload: [UInt8], expecting: Int? = nil) async throws -> [UInt8] {
        let wanted = expecting ?? payload.count
        return try await withDeadline(seconds: 15) {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                var received: [UInt8] = []
                do {
                    try await outbound.write(ByteBuffer(bytes: payload))
                    for try await var chunk in inbound {
                        received += chunk.readBytes(length: chunk.readableBytes) ?? []
                        if received.count >= wanted { break }
                    }
                } catch {
                    // A connection the tunnel closed: return what arrived.
                }
                return received
            }
        }
    }

    private static func assertEventually(_ what: String, file: StaticString = #filePath, line: UInt = #line,
                                         _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting until \(what)", file: file, line: line)
    }
}

// MARK: - Test servers

/// Everything one test starts, stopped when it ends (also when it fails).
private final class Started: @unchecked Sendable {
    private var servers: [any Channel] = []
    private var proxies: [TinyProxy] = []

    func server<Server: TestServer>(_ server: Server) -> Server {
        servers.append(server.channel)
        return server
    }

    func proxy(_ proxy: TinyProxy) -> TinyProxy {
        proxies.append(proxy)
        return proxy
    }

    func stopAll() async {
        for server in servers { try? await server.close() }
        for proxy in proxies { proxy.stop() }
    }
}

private func withStarted(_ body: (Started) async throws -> Void) async throws {
    let started = Started()
    do {
        try await body(started)
    } catch {
        await started.stopAll()
        throw error
    }
    await started.stopAll()
}

private protocol TestServer {
    var channel: any Channel { get }
}

private struct DeadlineExceeded: Error {}

private func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Echoes every byte back, optionally inside TLS.
private struct EchoServer: TestServer {
    let channel: any Channel
    let port: Int

    static func start(tls: TLSConfiguration? = nil) async throws -> EchoServer {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let context { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try child.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return EchoServer(channel: channel, port: channel.localAddress?.port ?? 0)
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.write(data, promise: nil) }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// An HTTP proxy that answers every CONNECT with a fixed text (nil: never answers), then
/// echoes; it keeps the request heads it received.
private struct ScriptedProxy: TestServer {
    let channel: any Channel
    let port: Int
    private let heads: RequestHeads

    var requestHeads: [String] { heads.all }

    static func start(answer: String?) async throws -> ScriptedProxy {
        let heads = RequestHeads()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ScriptedProxyHandler(answer: answer, heads: heads))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedProxy(channel: channel, port: channel.localAddress?.port ?? 0, heads: heads)
    }
}

private final class RequestHeads: Sendable {
    private let heads = Mutex<[String]>([])
    var all: [String] { heads.withLock { $0 } }
    func record(_ head: String) { heads.withLock { $0.append(head) } }
}

private final class ScriptedProxyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: String?
    private let heads: RequestHeads
    private var head = ByteBuffer()
    private var answered = false

    init(answer: String?, heads: RequestHeads) {
        self.answer = answer
        self.heads = heads
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !answered else {
            context.write(wrapOutboundOut(bytes), promise: nil)
            return
        }
        head.writeBuffer(&bytes)
        guard let length = HTTPConnectHandshake.headLength(in: head) else { return }
        heads.record(head.readString(length: length) ?? "")
        guard let answer else { return }
        answered = true
        context.write(wrapOutboundOut(context.channel.allocator.buffer(string: answer)), promise: nil)
        if head.readableBytes > 0 { context.write(wrapOutboundOut(head), promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// A test CA and a leaf it signed for DNS name "proxy.test" and IP address 127.0.0.1.
private struct TestPKI {
    let ca: Certificate
    let leaf: Certificate
    let leafKey: P256.Signing.PrivateKey

    init() throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Joinery test CA \(UUID().uuidString.prefix(8))") }
        ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))
        leafKey = P256.Signing.PrivateKey()
        leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: caName,
            subject: try DistinguishedName { CommonName("proxy.test") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("proxy.test"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(caKey))
    }

    func serverConfiguration(applicationProtocols: [String]) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try leaf.serializeAsPEM().pemString.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)))
        configuration.applicationProtocols = applicationProtocols
        return configuration
    }
}
