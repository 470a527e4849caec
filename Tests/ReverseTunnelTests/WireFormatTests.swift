import Foundation
import JoinCore
import NIOCore
import NIOPosix
@testable import ReverseTunnel
import XCTest

/// The small pieces, one behaviour each: message lines, targets, backoff, the node's watchdog.
final class WireFormatTests: XCTestCase {
    func testTunnelMessagesAreOneJSONLineWithSnakeCaseKeys() {
        XCTAssertEqual(TunnelMessage.dial(id: "ab12", clientAddress: "203.0.113.5:51234").line,
                       #"{"client_addr":"203.0.113.5:51234","dial_id":"ab12","type":"dial"}"# + "\n")
        XCTAssertEqual(TunnelMessage.ready(keepAlive: .seconds(10)).line, #"{"keepalive_ms":10000,"type":"ready"}"# + "\n")
        XCTAssertEqual(TunnelMessage(line: #"{"type":"pong"}"#), .pong)
        XCTAssertNil(TunnelMessage(line: #"{"type":"shell"}"#))
        XCTAssertNil(TunnelMessage(line: "pong"))
    }

    func testTheTargetsHostIsWhatGetsResolved() {
        XCTAssertEqual(ProxySSHRequest(target: "node-1:3022").host, "node-1")
        XCTAssertEqual(ProxySSHRequest(target: "node-1").host, "node-1")
        XCTAssertEqual(ProxySSHRequest(target: "node-1.example.com:22").host, "node-1.example.com")
        XCTAssertEqual(ProxySSHRequest(target: "[::1]:22").host, "::1")
        XCTAssertEqual(ProxySSHRequest(target: "fd00::1").host, "fd00::1")
        XCTAssertEqual(JSONLine.encode(ProxySSHAnswer.accepted), #"{"ok":true}"# + "\n")
    }

    func testBackoffDoublesUpToItsCapAndStartsOverAfterAReset() {
        var backoff = ReconnectBackoff(initial: .milliseconds(500), maximum: .seconds(30), jitter: 0)
        let waits = (0..<9).map { _ in backoff.next() }
        XCTAssertEqual(waits, [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
        backoff.reset()
        XCTAssertEqual(backoff.next(), .milliseconds(500))
    }

    func testBackoffJitterStaysWithinItsBoundsAndUnderTheCap() {
        var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(2), jitter: 0.2)
        let first = backoff.next()
        XCTAssertGreaterThanOrEqual(first, .milliseconds(800))
        XCTAssertLessThanOrEqual(first, .milliseconds(1200))
        for _ in 0..<20 { XCTAssertLessThanOrEqual(backoff.next(), .seconds(2)) }
    }

    func testAnAgentTreatsAProxyThatFallsSilentAsADeadTunnel() async throws {
        // A "proxy" that accepts the control connection, announces 50 ms keepalives, then says nothing.
        let proxy = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SaysReadyThenNothing())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { proxy.close(promise: nil) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: proxy.localAddress!.port!).get()
        let connection = ControlConnection(channel: channel, readyTimeout: .seconds(2), allowedMisses: 3)
        let started = ContinuousClock.now
        let ending = try await withTimeout(.seconds(5), "the watchdog") {
            try await connection.run(onReady: {}, answer: { _ in })
        }
        XCTAssertTrue(ending.contains("no keepalive from the Proxy Service"), ending)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertFalse(channel.isActive)
    }

    func testANodeCertificateOfAnotherRoleOrClusterIsNotATunnellingHost() throws {
        let lab = try ClusterIdentities.foreign(clusterName: "example.com")
        let check = try ClusterPeerCheck(trustedCAsPEM: [lab.hostCAPEM], requirement: .tunnellingHost)
        let node = try ClusterPeerCheck.certificates(fromPEM: [try lab.node("host-7").certificatePEM])
        XCTAssertEqual(try check.verify(node).name, "host-7")
        let proxy = try ClusterPeerCheck.certificates(fromPEM: [try lab.proxy().certificatePEM])
        XCTAssertThrowsError(try check.verify(proxy)) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("only a certificate with the Node role") == true, "\(error)")
        }
        let user = try ClusterPeerCheck.certificates(fromPEM: [try lab.user("alice").certificatePEM])
        XCTAssertThrowsError(try check.verify(user)) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("not issued by this cluster's host CA") == true, "\(error)")
        }
    }
}

/// A "proxy" that accepts a control connection with 50 ms keepalives and never pings.
private final class SaysReadyThenNothing: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answered = false

    /// Answers the node's first line, as the real proxy does.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: TunnelMessage.ready(keepAlive: .milliseconds(50)).line)), promise: nil)
    }
}
