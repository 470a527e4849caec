import JoinCore
import NIOCore
import NIOPosix
import ReverseTunnel
import TestSupport
import XCTest

/// A node behind its reverse tunnel, reached by a user through the Proxy Service: real TLS on
/// 127.0.0.1, certificates from the cluster's real CAs, a real Proxy Service.
final class ReverseTunnelSessionTests: XCTestCase {
    private var lab: ServerAccessLab!

    override func setUp() async throws {
        lab = try await ServerAccessLab.start()
    }

    override func tearDown() async throws {
        await lab?.stop()
    }

    func testANodeConnectsItsTunnelUnderTheHostIDOfItsCertificate() async throws {
        let agent = lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: EchoNode().acceptor)
        try await agent.waitUntilConnected()
        XCTAssertTrue(agent.isConnected)
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [ServerAccessLab.node1])
    }

    func testAUserReachesTheNodeThroughItsTunnelAndBytesFlowBothWays() async throws {
        let node = EchoNode()
        try await lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: node.acceptor).waitUntilConnected()
        let dialer = lab.sshDialer(try lab.identities.user("alice"))

        let echoed = try await withTimeout(.seconds(10), "the session") {
            try await dialer.withConnection(to: "node-1:3022") { stream in
                try await stream.sendAndCollect("hello through the tunnel\n")
            }
        }

        // The node ended its output only after ours ended: the half-close crossed both hops.
        XCTAssertEqual(echoed, "hello through the tunnel\n")
        XCTAssertEqual(lab.resolver.requests.first?.target, "node-1", "the port is not part of the name resolved")
        XCTAssertEqual(lab.resolver.requests.first?.user, "alice")
        let client = try XCTUnwrap(node.clientAddresses.first)
        XCTAssertTrue(client.hasPrefix("127.0.0.1:"), "the node hears the user's address: \(client)")
    }

    func testBytesTheNodeSendsAtOnceReachTheUserAfterTheAnswerLine() async throws {
        // An SSH server speaks first; its banner can share a read with the node's answer line.
        let node = EchoNode(banner: "SSH-2.0-JoineryTest\r\n")
        try await lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: node.acceptor).waitUntilConnected()
        let dialer = lab.sshDialer(try lab.identities.user("alice"))
        let received = try await withTimeout(.seconds(10), "the session") {
            try await dialer.withConnection(to: ServerAccessLab.node1) { stream in
                try await stream.sendAndCollect("SSH-2.0-OpenSSH_9.6\r\n")
            }
        }
        XCTAssertEqual(received, "SSH-2.0-JoineryTest\r\nSSH-2.0-OpenSSH_9.6\r\n")
    }

    func testManySessionsRunAtOnceThroughOneTunnel() async throws {
        try await lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: EchoNode().acceptor).waitUntilConnected()
        let dialer = lab.sshDialer(try lab.identities.user("alice"))
        let payload = String(repeating: "0123456789abcdef", count: 8192)  // 128 KiB each
        try await withTimeout(.seconds(30), "eight sessions") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let echoed = try await dialer.withConnection(to: "node-1") { try await $0.sendAndCollect("\(index)" + payload) }
                        XCTAssertEqual(echoed, "\(index)" + payload)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    func testANodeWithoutATunnelIsReachedAtItsHeartbeatedAddress() async throws {
        let echo = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { $0.pipeline.addHandler(EchoHandler()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { echo.close(promise: nil) }
        lab.resolver.add(["direct-node"], ResolvedNode(hostID: "direct-host", directAddress: ("127.0.0.1", echo.localAddress!.port!)))
        let dialer = lab.sshDialer(try lab.identities.user("alice"))
        let echoed = try await withTimeout(.seconds(10), "the session") {
            try await dialer.withConnection(to: "direct-node:22") {
                try await $0.sendAndCollect("direct\n")
            }
        }
        XCTAssertEqual(echoed, "direct\n")
    }

    func testANodeWithNeitherATunnelNorAnAddressIsRefusedWithAClearMessage() async throws {
        lab.resolver.add(["lonely"], ResolvedNode(hostID: "lonely-host"))
        do {
            _ = try await lab.sshDialer(try lab.identities.user("alice")).withConnection(to: "lonely:3022") { _ in "unreachable" }
            XCTFail("a node without tunnel or address was reached")
        } catch let refusal as ProxySSHRefusal {
            XCTAssertTrue(refusal.message.contains("has no reverse tunnel to this Proxy Service and no address it can be reached at"),
                          refusal.message)
            XCTAssertTrue(refusal.message.contains("lonely"), refusal.message)
        }
    }

    func testAnUnknownTargetIsRefusedWithTheResolversReason() async throws {
        do {
            _ = try await lab.sshDialer(try lab.identities.user("alice")).withConnection(to: "nowhere") { _ in "unreachable" }
            XCTFail("an unknown node was reached")
        } catch let refusal as ProxySSHRefusal {
            XCTAssertTrue(refusal.message.contains("no node nowhere"), refusal.message)
        }
    }

    func testANewerTunnelForTheSameHostReplacesTheOlder() async throws {
        let identity = try lab.identities.node(ServerAccessLab.node1)
        let first = lab.startAgent(identity, acceptor: EchoNode().acceptor)
        try await first.waitUntilConnected()
        let second = lab.startAgent(identity, acceptor: EchoNode().acceptor)
        try await second.waitUntilConnected()
        // The first lost its tunnel to the second (and will keep reclaiming it: one host, one tunnel).
        XCTAssertGreaterThanOrEqual(first.status.connectionsMade + second.status.connectionsMade, 2)
        XCTAssertEqual(lab.proxy.tunnels.connectedHostIDs, [ServerAccessLab.node1])
    }
}
