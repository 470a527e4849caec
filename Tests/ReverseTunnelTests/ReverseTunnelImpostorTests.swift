import Foundation
import JoinCore
import NIOCore
@testable import ReverseTunnel
import TestSupport
import Transport
import XCTest

/// Who may take part in a reverse tunnel: each impostor is refused, and shown to be.
final class ReverseTunnelImpostorTests: XCTestCase {
    private var lab: ServerAccessLab!

    override func setUp() async throws {
        lab = try await ServerAccessLab.start()
    }

    override func tearDown() async throws {
        await lab?.stop()
    }

    func testANodeCertificateFromAnotherClustersCAIsRefused() async throws {
        let foreign = try ClusterIdentities.foreign()
        let node = EchoNode()
        // It trusts our host CA for the proxy, so only the proxy's check can stop it.
        let agent = lab.startAgent(try foreign.node(ServerAccessLab.node1), acceptor: node.acceptor)
        do {
            try await agent.waitUntilConnected(timeout: .seconds(2))
            XCTFail("a node of another cluster opened a tunnel")
        } catch let error as JoinError {
            // The agent words the proxy's refusal when it sees the alert in time; on a loaded
            // machine it may see only the closed connection. Either way nothing connected.
            XCTAssertTrue(error.message.contains("refused the reverse tunnel") || error.message.contains("closed"), error.message)
        }
        XCTAssertFalse(agent.isConnected)
        XCTAssertEqual(agent.status.connectionsMade, 0)
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [])
    }

    func testAUserCertificateCannotOpenATunnel() async throws {
        let agent = lab.startAgent(try lab.identities.user("mallory"), acceptor: EchoNode().acceptor)
        await XCTAssertThrowsAsync(try await agent.waitUntilConnected(timeout: .seconds(2)))
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [])
    }

    func testADataConnectionAnsweringADialItWasNotSentIsClosed() async throws {
        let rogue = try await HandMadeConnection.open(lab, as: try lab.identities.node("rogue-host"), route: ReverseTunnelProtocols.reverseTunnel)
        try await rogue.send(TunnelMessage.data(dialID: TunnelRegistry.randomID()).line)
        let closed = await rogue.closedByPeer()
        XCTAssertTrue(closed, "the proxy kept a data connection for a dial it never made")
        await rogue.close()
    }

    func testAnotherHostCannotAnswerANodesDialButTheNodeStillCan() async throws {
        // Node 1's control connection, by hand, to read the dial ID the proxy sends it.
        let control = try await HandMadeConnection.open(lab, as: try lab.identities.node(ServerAccessLab.node1),
                                                        route: ReverseTunnelProtocols.reverseTunnel)
        try await control.send(TunnelMessage.control.line)
        let ready = await control.nextLine()
        XCTAssertEqual(ready.flatMap(TunnelMessage.init(line:))?.type, .ready)
        let tunnels = lab.proxy.tunnels
        let dial = Task { try await tunnels.dial(hostID: ServerAccessLab.node1, clientAddress: "198.51.100.7:4000") }
        var request: TunnelMessage?
        while request?.type != .dial, let line = await control.nextLine() { request = TunnelMessage(line: line) }
        let id = try XCTUnwrap(request?.dialID)
        XCTAssertEqual(request?.clientAddress, "198.51.100.7:4000")

        // Node 2 (a valid Node certificate of this cluster) answers node 1's dial: refused.
        let rogue = try await HandMadeConnection.open(lab, as: try lab.identities.node("node-2-host"), route: ReverseTunnelProtocols.reverseTunnel)
        try await rogue.send(TunnelMessage.data(dialID: id).line)
        let rogueClosed = await rogue.closedByPeer()
        XCTAssertTrue(rogueClosed, "the proxy accepted another host's answer")

        // Node 1 answers: the dial gets its connection, with the bytes node 1 sent at once.
        let honest = try await HandMadeConnection.open(lab, as: try lab.identities.node(ServerAccessLab.node1), route: ReverseTunnelProtocols.reverseTunnel)
        try await honest.send(TunnelMessage.data(dialID: id).line + "from node 1\n")
        let channel = try await withTimeout(.seconds(5), "the dial") { try await dial.value }
        let first = try await ByteStreamChannel.wrap(channel).executeThenClose { inbound, _ in
            var iterator = inbound.makeAsyncIterator()
            return try await iterator.next().map { String(buffer: $0) }
        }
        XCTAssertEqual(first, "from node 1\n")
        // The ID is spent: answering it again is refused.
        let replay = try await HandMadeConnection.open(lab, as: try lab.identities.node(ServerAccessLab.node1), route: ReverseTunnelProtocols.reverseTunnel)
        try await replay.send(TunnelMessage.data(dialID: id).line)
        let replayClosed = await replay.closedByPeer()
        XCTAssertTrue(replayClosed)
        for connection in [control, rogue, honest, replay] { await connection.close() }
    }

    func testGarbageAndOversizedLinesOnATunnelAreRefusedWithAClose() async throws {
        let node = try lab.identities.node("noisy-host")
        let oversized = try await HandMadeConnection.open(lab, as: node, route: ReverseTunnelProtocols.reverseTunnel)
        try await oversized.send(String(repeating: "x", count: ReverseTunnelProtocols.maximumLineBytes + 10))
        let oversizedClosed = await oversized.closedByPeer()
        XCTAssertTrue(oversizedClosed)

        let garbage = try await HandMadeConnection.open(lab, as: node, route: ReverseTunnelProtocols.reverseTunnel)
        try await garbage.send("GET / HTTP/1.1\n")
        let garbageClosed = await garbage.closedByPeer()
        XCTAssertTrue(garbageClosed)

        // A registered control connection that starts talking nonsense loses its tunnel.
        let control = try await HandMadeConnection.open(lab, as: node, route: ReverseTunnelProtocols.reverseTunnel)
        try await control.send(TunnelMessage.control.line)
        _ = await control.nextLine()
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, ["noisy-host"])
        try await control.send("{\"type\":\"control\"}\n")
        let controlClosed = await control.closedByPeer()
        XCTAssertTrue(controlClosed)
        let tunnels = lab.proxy.tunnels
        let unregistered = try await eventually { tunnels.connectedHostIDs.isEmpty }
        XCTAssertTrue(unregistered)
        for connection in [oversized, garbage, control] { await connection.close() }
    }

    func testAControlConnectionThatStopsAnsweringKeepalivesIsDropped() async throws {
        let control = try await HandMadeConnection.open(lab, as: try lab.identities.node("silent-host"), route: ReverseTunnelProtocols.reverseTunnel)
        try await control.send(TunnelMessage.control.line)
        _ = await control.nextLine()
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, ["silent-host"])
        // Pings every 300 ms, three may go unanswered: dropped within about 1.2 s.
        let dropped = await control.closedByPeer(within: .seconds(4))
        XCTAssertTrue(dropped)
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [])
        await control.close()
    }

    func testAnImpostorProxyServingANodeCertificateOnTheWebPortIsRefused() async throws {
        // The operator put the cluster's CA in ca_path: a Node's certificate chains to it.
        let node = try lab.identities.node("impostor-host")
        let impostor = try await ImpostorTLSServer(certificatePEM: node.certificatePEM, privateKeyPEM: node.privateKeyPEM,
                                                   caPEM: lab.identities.hostCAPEM, alpn: ReverseTunnelProtocols.reverseTunnel)
        defer { Task { await impostor.stop() } }
        let trustingTheClusterCA = ClusterDialer(proxy: .init(trustRoots: [lab.identities.host.tlsCertificate]))
        let agent = lab.startAgent(try lab.identities.node(ServerAccessLab.node1), proxyAddress: AuthAddress(host: "127.0.0.1", port: impostor.port),
                                   dialer: trustingTheClusterCA, acceptor: EchoNode().acceptor)
        await XCTAssertThrowsAsync(try await agent.waitUntilConnected(timeout: .seconds(2)))
        let failure = agent.status.lastFailure ?? ""
        XCTAssertTrue(failure.contains("presented a Node certificate"), failure)
        XCTAssertFalse(impostor.transcript.contains("RECEIVED"), impostor.transcript)
        await impostor.stop()
    }

    func testAnImpostorProxyWithAValidWebCertificateButANodeIdentityInsideIsRefused() async throws {
        let impostor = try await InnerImpostor.start(web: lab.web, inner: try lab.identities.node("impostor-host"),
                                                     alpn: ReverseTunnelProtocols.reverseTunnel)
        let agent = lab.startAgent(try lab.identities.node(ServerAccessLab.node1), proxyAddress: AuthAddress(host: "127.0.0.1", port: impostor.port),
                                   acceptor: EchoNode().acceptor)
        await XCTAssertThrowsAsync(try await agent.waitUntilConnected(timeout: .seconds(2)))
        let failure = agent.status.lastFailure ?? ""
        XCTAssertTrue(failure.contains("only a certificate with the Proxy role may act as the Proxy Service"), failure)
        XCTAssertEqual(impostor.receivedBytes, 0, "the agent said something to an impostor")
        await impostor.stop()
    }
}

func XCTAssertThrowsAsync<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await expression()
        XCTFail("no error was thrown", file: file, line: line)
    } catch {}
}
