import Agent
import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import Logging
import ProxyService
import Server
import StaticJoin
import TestSupport
import TokenJoin
import Transport
import XCTest

/// Issue 15, "only the Auth server can speak as the Auth server": a real TLS server
/// (`openssl s_server`) holding another identity of this cluster — a joined Node's, a Bot's, a
/// Proxy's certificate, with the real host CA as its chain — answers every kind of client of
/// the Auth server. Each client must abort inside the handshake, so the impostor never sees the
/// HTTP/2 preface, let alone a token.
final class AuthImpostorTests: XCTestCase {
    private var cluster: TestCluster!
    private var auth: AuthAddress!
    private var impostors: [ImpostorTLSServer] = []

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]))
        auth = try await cluster.start()
        try await cluster.addToken("node-token-0123456789abcdef", roles: [.node])
        try await cluster.addToken("proxy-token-0123456789abcdef", roles: [.proxy])
        try await cluster.addToken("bot-token-0123456789abcdef", roles: [.bot], botName: "robot")
    }

    override func tearDown() async throws {
        for impostor in impostors { await impostor.stop() }
        await cluster.stop()
    }

    // MARK: Identities an attacker could hold

    private func joined(_ role: SystemRole, token: String) async throws -> Identity {
        let parameters = JoinParameters(authServer: auth, tokenName: token, method: "token", role: role,
                                        nodeName: "member-\(role)", caPins: cluster.pins())
        return try await cluster.joinClient().join(parameters)
    }

    private func nodeIdentity() async throws -> Identity { try await joined(.node, token: "node-token-0123456789abcdef") }

    private func botIdentity() async throws -> BotIdentity {
        try await cluster.joinClient().joinBot(try cluster.botParameters(token: "bot-token-0123456789abcdef"))
    }

    private func impostor(serving identity: Identity) async throws -> ImpostorTLSServer {
        try await impostor(certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                           caPEM: identity.tlsCACertificates.joined())
    }

    private func impostor(certificatePEM: String, keyPEM: String, caPEM: String) async throws -> ImpostorTLSServer {
        let server = try await ImpostorTLSServer(certificatePEM: certificatePEM, privateKeyPEM: keyPEM, caPEM: caPEM)
        impostors.append(server)
        return server
    }

    private func address(of impostor: ImpostorTLSServer) -> AuthAddress { AuthAddress(host: "127.0.0.1", port: impostor.port) }

    private func assertRefusedByRole(_ error: any Error, naming role: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error as? JoinError else { return XCTFail("expected a JoinError, got \(error)", file: file, line: line) }
        XCTAssertEqual(error.kind, .accessDenied, error.message, file: file, line: line)
        XCTAssertTrue(error.message.contains("\(role) certificate"), error.message, file: file, line: line)
        XCTAssertTrue(error.message.contains("Auth role"), error.message, file: file, line: line)
    }

    // MARK: Joiners

    func testAPinnedJoinerAbortsWhenANodeCertificateAnswersAsTheAuthServer() async throws {
        let impostor = try await impostor(serving: try await nodeIdentity())
        let parameters = JoinParameters(authServer: address(of: impostor), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "victim", caPins: cluster.pins())
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("the joiner accepted a Node's certificate as the Auth server's")
        } catch {
            assertRefusedByRole(error, naming: "Node")
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
        XCTAssertFalse(impostor.transcript.contains("node-token"), "the token reached the impostor")
    }

    func testAPinnedJoinerAbortsWhenABotCertificateAnswersAsTheAuthServer() async throws {
        let bot = try await botIdentity()
        let impostor = try await impostor(certificatePEM: bot.tlsCertificatePEM, keyPEM: bot.privateKeyPEM,
                                          caPEM: cluster.server.authorities.host.tlsCertificatePEM)
        let parameters = JoinParameters(authServer: address(of: impostor), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "victim", caPins: cluster.pins())
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("the joiner accepted a Bot's certificate as the Auth server's")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied, error.message)
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
    }

    func testAProxyCertificateIsNotAcceptedAsTheAuthServers() async throws {
        let impostor = try await impostor(serving: try await joined(.proxy, token: "proxy-token-0123456789abcdef"))
        let parameters = JoinParameters(authServer: address(of: impostor), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "victim", caPins: cluster.pins())
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("the joiner accepted a Proxy's certificate as the Auth server's")
        } catch {
            assertRefusedByRole(error, naming: "Proxy")
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
    }

    /// The control that shows the detector works: a client told not to verify (`--insecure`)
    /// does reach the impostor and speaks HTTP/2 to it.
    func testTheImpostorSeesAnInsecureClientSoItsSilenceMeansSomething() async throws {
        let impostor = try await impostor(serving: try await nodeIdentity())
        let parameters = JoinParameters(authServer: address(of: impostor), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "victim", insecure: true)
        let client = cluster.joinClient()
        let attempt = Task { try await client.join(parameters) }
        var seen = false
        for _ in 0..<100 where !seen {
            try await Task.sleep(for: .milliseconds(100))
            seen = impostor.receivedHTTP2Preface
        }
        attempt.cancel()
        _ = try? await attempt.value
        XCTAssertTrue(seen, "an unverified client should have reached the impostor: \(impostor.transcript)")
    }

    // MARK: Authenticated clients

    func testAHeartbeatingNodeAbortsInTheHandshake() async throws {
        let node = try await nodeIdentity()
        let impostor = try await impostor(serving: try await joined(.node, token: "node-token-0123456789abcdef"))
        let target = address(of: impostor)
        let heartbeater = Heartbeater(identity: node, authServers: [target],
                                      announcement: .init(hostname: "victim", address: "", labels: [:]),
                                      interval: .seconds(30), logger: Logger(label: "hb"))
        do {
            _ = try await ClusterDialer.direct.withAuthenticatedTransport(
                target, certificatePEM: node.tlsCertificate, keyPEM: node.tlsPrivateKey, trustedCAsPEM: node.tlsCACertificates
            ) { transport in
                try await withGRPCClient(transport: transport) { client in try await heartbeater.beatOnce(client, to: target) }
            }
            XCTFail("a heartbeat was accepted by a Node's certificate")
        } catch {
            assertRefusedByRole(error, naming: "Node")
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
    }

    func testABotRenewingItsCertificatesAbortsInTheHandshake() async throws {
        let bot = try await botIdentity()
        XCTAssertTrue(bot.renewable)
        let impostor = try await impostor(serving: try await nodeIdentity())
        do {
            _ = try await BotRenewalClient().renew(bot, authServer: address(of: impostor))
            XCTFail("a bot renewed with a Node's certificate answering")
        } catch {
            assertRefusedByRole(error, naming: "Node")
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
        // The same bot still renews with the real Auth server.
        let renewed = try await BotRenewalClient().renew(bot, authServer: auth)
        XCTAssertEqual(renewed.instanceID, bot.instanceID)
    }

    func testTctlAbortsInTheHandshake() async throws {
        let impostor = try await impostor(serving: try await nodeIdentity())
        let identity = cluster.directory.appendingPathComponent("auth").appendingPathComponent("admin")
        let result = try Command.run(ClusterProcesses.tctl,
                                     ["--identity", identity.path, "--auth-server", "127.0.0.1:\(impostor.port)", "status"],
                                     timeout: 30)
        XCTAssertNotEqual(result.status, 0, result.combined)
        XCTAssertTrue(result.stderr.contains("Node certificate"), result.combined)
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
        // The same identity works against the real Auth server.
        let real = try Command.run(ClusterProcesses.tctl, ["--identity", identity.path, "--auth-server", auth.description, "status"],
                                   timeout: 30)
        XCTAssertEqual(real.status, 0, real.combined)
    }

    func testTheProxyServicesUpstreamAbortsInTheHandshake() async throws {
        let impostor = try await impostor(serving: try await nodeIdentity())
        let proxyIdentity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: "proxy-under-test",
                                                       role: .proxy, now: Date())
        let web = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: "proxy-web", role: .proxy, now: Date())
        var settings = ProxyServiceSettings(
            webListenHost: "127.0.0.1", webListenPort: 0, publicAddresses: [],
            webCertificateChainPEM: [try web.certificatePEM()], webPrivateKeyPEM: web.privateKeyPEM,
            authServer: address(of: impostor),
            identityCertificatePEM: try proxyIdentity.certificatePEM(), identityPrivateKeyPEM: proxyIdentity.privateKeyPEM,
            clusterCACertificatesPEM: [try proxyIdentity.caCertificatesPEM()])
        settings.joinTimeout = .seconds(5)
        let service = ProxyService(settings: settings, webAPI: { channel in channel.close(promise: nil) }, logger: Logger(label: "proxy"))
        let (listening, announce) = AsyncStream<String>.makeStream()
        let proxyTask = Task { try await service.run(onListening: { announce.yield($0); announce.finish() }) }
        defer { proxyTask.cancel() }
        var iterator = listening.makeAsyncIterator()
        let announced = await iterator.next()
        let bound = try XCTUnwrap(announced, "the proxy did not start")

        var parameters = JoinParameters(authServer: try AuthAddress(parsing: bound), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "through-proxy")
        parameters.dialer = ClusterDialer(proxy: .init(insecure: true))
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("a join was forwarded to a Node's certificate")
        } catch let error as JoinError {
            XCTAssertNotEqual(error.kind, .badParameter, error.message)
        }
        XCTAssertFalse(impostor.completedAHandshake, impostor.transcript)
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
        XCTAssertFalse(impostor.transcript.contains("node-token"), "the token reached the impostor")
    }

    // MARK: Clients of the Proxy Service

    func testANodeCertificateIsNotAcceptedAsAProxyServiceEvenWithTheHostCATrusted() async throws {
        let impostor = try await impostor(serving: try await nodeIdentity())
        var parameters = JoinParameters(authServer: address(of: impostor), tokenName: "node-token-0123456789abcdef",
                                        method: "token", role: .node, nodeName: "victim")
        // The joiner trusts the cluster's host CA for the proxy's web certificate, so the chain
        // verifies: only the role tells a Node from a Proxy.
        let hostCA = cluster.server.authorities.host.tlsCertificate
        parameters.dialer = ClusterDialer(proxy: .init(trustRoots: [hostCA]))
        do {
            _ = try await cluster.joinClient().join(parameters)
            XCTFail("the joiner accepted a Node's certificate as a Proxy Service's")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied, error.message)
            XCTAssertTrue(error.message.contains("only a certificate with the Proxy role"), error.message)
        }
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
        XCTAssertFalse(impostor.transcript.contains("node-token"), "the token reached the impostor")
    }
}
