import Foundation
import JoinCore
import Logging
@testable import ReverseTunnel
import XCTest

/// Who may ask the proxy for a node, and what the proxy says when it will not route.
final class ProxySSHRouteRefusalTests: XCTestCase {
    private var lab: ServerAccessLab!
    private var node: EchoNode!

    override func setUp() async throws {
        lab = try await ServerAccessLab.start()
        node = EchoNode()
        try await lab.startAgent(try lab.identities.node(ServerAccessLab.node1), acceptor: node.acceptor).waitUntilConnected()
    }

    override func tearDown() async throws {
        await lab?.stop()
    }

    private func assertRefusedInTheHandshake(_ user: TestIdentity, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            _ = try await lab.sshDialer(user).withConnection(to: "node-1") { try await $0.sendAndCollect("hello\n") }
            XCTFail("the proxy routed a connection it should have refused", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains("refused this user certificate"), error.message, file: file, line: line)
        } catch {
            // On a loaded machine the client may see only the closed connection, not the alert.
            XCTAssertTrue("\(error)".contains("closed"), "unexpected error \(error)", file: file, line: line)
        }
        XCTAssertTrue(lab.resolver.requests.isEmpty, "a refused client reached the resolver", file: file, line: line)
        XCTAssertTrue(node.clientAddresses.isEmpty, "a refused client reached the node", file: file, line: line)
    }

    func testAUserCertificateFromAnotherClusterIsRefused() async throws {
        await assertRefusedInTheHandshake(try ClusterIdentities.foreign().user("alice"))
    }

    func testAnExpiredUserCertificateIsRefused() async throws {
        await assertRefusedInTheHandshake(try lab.identities.user("alice", issuedAt: Date().addingTimeInterval(-7200), ttl: 3600))
    }

    /// Hosts reach nodes only through their own tunnels, never as users: the SSH route trusts
    /// the user CA alone, and the host CA (whose subject is the same) is not it.
    func testAHostCertificateIsNotAUserCertificate() async throws {
        await assertRefusedInTheHandshake(try lab.identities.node("node-2-host"))
        await assertRefusedInTheHandshake(lab.proxyIdentity)
    }

    func testAnOversizedRequestLineIsRefusedAndClosed() async throws {
        let client = try await HandMadeConnection.open(lab, as: try lab.identities.user("alice"), route: ReverseTunnelProtocols.proxySSH)
        try await client.send(String(repeating: "a", count: ReverseTunnelProtocols.maximumLineBytes + 100))
        let answer = await client.nextLine()
        XCTAssertEqual(answer.flatMap { JSONLine.decode(ProxySSHAnswer.self, from: $0) }?.error,
                       "the request line is longer than 4096 bytes")
        let closed = await client.closedByPeer()
        XCTAssertTrue(closed)
        XCTAssertTrue(lab.resolver.requests.isEmpty)
        await client.close()
    }

    func testARequestThatIsNotJSONIsRefusedWithTheExpectedForm() async throws {
        let client = try await HandMadeConnection.open(lab, as: try lab.identities.user("alice"), route: ReverseTunnelProtocols.proxySSH)
        try await client.send("ssh node-1 please\n")
        let answer = await client.nextLine().flatMap { JSONLine.decode(ProxySSHAnswer.self, from: $0) }
        XCTAssertEqual(answer?.error, #"the request must be one JSON line naming the node, like {"target":"node-1:3022"}"#)
        let closed = await client.closedByPeer()
        XCTAssertTrue(closed)
        await client.close()
    }

    func testAProxyWithoutANodeResolverSaysSo() async throws {
        let bare = try await ProxyUnderTest.start(settings: lab.proxySettings(port: 0), resolver: UnconfiguredNodeResolver(), logger: lab.logger)
        defer { Task { await bare.stop() } }
        var dialer = lab.sshDialer(try lab.identities.user("alice"))
        dialer.proxyAddress = bare.address
        do {
            _ = try await dialer.withConnection(to: "node-1") { _ in "unreachable" }
            XCTFail("a proxy without a resolver routed a connection")
        } catch let refusal as ProxySSHRefusal {
            XCTAssertTrue(refusal.message.contains("no node resolver is configured"), refusal.message)
        }
        await bare.stop()
    }

    func testTshRefusesAProxyThatIsANodeInside() async throws {
        let impostor = try await InnerImpostor.start(web: lab.web, inner: try lab.identities.node("impostor-host"),
                                                     alpn: ReverseTunnelProtocols.proxySSH)
        var dialer = lab.sshDialer(try lab.identities.user("alice"))
        dialer.proxyAddress = .init(host: "127.0.0.1", port: impostor.port)
        do {
            _ = try await dialer.withConnection(to: "node-1") { _ in "unreachable" }
            XCTFail("tsh talked to an impostor")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("only a certificate with the Proxy role"), error.message)
        }
        XCTAssertEqual(impostor.receivedBytes, 0, "tsh sent its request to an impostor")
        await impostor.stop()
    }
}
