import NIOCore
import ReverseTunnel
import XCTest

/// The node's agent outlives the proxy it is connected to.
final class ReverseTunnelReconnectTests: XCTestCase {
    func testTheAgentReconnectsWhenTheProxyComesBackOnItsPortAndSessionsWorkAgain() async throws {
        let lab = try await ServerAccessLab.start()
        do {
            let agent = lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: EchoNode().acceptor)
            try await agent.waitUntilConnected()
            let user = try lab.identities.user("alice")
            let before = try await lab.sshDialer(user).withConnection(to: "node-1") { try await $0.sendAndCollect("before\n") }
            XCTAssertEqual(before, "before\n")

            let port = lab.proxy.address.port
            await lab.proxy.stop()
            let noticed = try await eventually(.seconds(5)) { !agent.isConnected }
            XCTAssertTrue(noticed, "the agent did not notice the proxy stopping")

            try await lab.startProxy(port: port)
            try await agent.waitUntilConnected(connectionsMade: 2, timeout: .seconds(10))
            XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [ServerAccessLab.node1])
            let after = try await withTimeout(.seconds(10), "the session after the restart") {
                try await lab.sshDialer(user).withConnection(to: "node-1") { try await $0.sendAndCollect("after\n") }
            }
            XCTAssertEqual(after, "after\n")
        } catch {
            await lab.stop()
            throw error
        }
        await lab.stop()
    }

    func testCancellingTheAgentClosesItsTunnelAndItsSessions() async throws {
        let lab = try await ServerAccessLab.start()
        do {
            let identity = try lab.identities.node(ServerAccessLab.node1)
            let running = AgentUnderTest(ReverseTunnelAgent(
                settings: ReverseTunnelAgentSettings(
                    proxyAddress: lab.proxy.address, dialer: lab.dialer, certificatePEM: identity.certificatePEM,
                    privateKeyPEM: identity.privateKeyPEM, hostCACertificatesPEM: [lab.identities.hostCAPEM]),
                acceptor: EchoNode().acceptor, logger: lab.logger))
            try await running.agent.waitUntilConnected()
            // A session left open by the user.
            let dialer = lab.sshDialer(try lab.identities.user("alice"))
            let ended = try await withTimeout(.seconds(10), "the session cut by the agent's stop") {
                try await dialer.withConnection(to: "node-1") { stream in
                    try await stream.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "ping"))
                        var iterator = inbound.makeAsyncIterator()
                        let echoed = try await iterator.next().map { String(buffer: $0) }
                        XCTAssertEqual(echoed, "ping")
                        await running.stop()
                        // The node's side is closed: the stream ends without our output ending.
                        while try await iterator.next() != nil {}
                        return true
                    }
                }
            }
            XCTAssertTrue(ended)
            XCTAssertFalse(running.agent.isConnected)
            let gone = try await eventually { lab.proxy.tunnels.connectedHostIDs.isEmpty }
            XCTAssertTrue(gone, "the proxy still routes to a stopped agent")
        } catch {
            await lab.stop()
            throw error
        }
        await lab.stop()
    }
}
