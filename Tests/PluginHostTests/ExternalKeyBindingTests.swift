import Agent
import Crypto
import Foundation
import JoinCore
import Logging
import PluginHost
import Server
import StaticJoin
import TestSupport
import TokenJoin
import XCTest

/// External methods receive the ``KeyBinding`` of the keys being certified on both halves
/// (`AttestStart.key_binding`, `ProverRequest.key_binding`), so a plugin can bind its live
/// proof to them. The fixture plugin does: its answer ends with the binding and its server half
/// requires the binding of the keys in ClientInit.
final class ExternalKeyBindingTests: XCTestCase {
    private var cluster: TestCluster?
    private let logger = Logger(label: "plugin-key-binding-test")

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private func fixtureSpec() throws -> ExternalPluginSpec {
        let path = ClusterProcesses.binaries.appendingPathComponent("joinery-fixture-plugin").path
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("the fixture plugin is not built at \(path); run `swift build --build-tests`")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return try ExternalPluginSpec(name: "fixture", command: path, sha256: digest, settings: .object([:]), callTimeout: .seconds(10))
    }

    /// A started cluster serving the fixture method with a `fixture-token`; returns the client registry.
    private func startCluster() async throws -> (TestCluster, JoinMethodRegistry) {
        let external = try await ExternalJoinPlugins.serverPlugin(try fixtureSpec(), dataDirectory: nil, logger: logger)
        let cluster = try await TestCluster(registry: try JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]).adding([external]))
        self.cluster = cluster
        _ = try await cluster.start()
        var token = ProvisionToken(name: "fixture-token", roles: [.node], expires: Date().addingTimeInterval(600))
        token.spec.joinMethod = "fixture"
        _ = try await cluster.server.tokens.create(token, upsert: false)
        let client = try JoinMethodRegistry(plugins: [.staticTokens, .storedTokens])
            .adding([ExternalJoinPlugins.clientPlugin(try fixtureSpec(), logger: logger)])
        return (cluster, client)
    }

    func testBothHalvesOfAnExternalMethodGetTheBindingOfTheCertifiedKeys() async throws {
        let (cluster, client) = try await startCluster()
        let parameters = JoinParameters(authServer: try XCTUnwrap(cluster.address), tokenName: "fixture-token", method: "fixture",
                                        role: .node, nodeName: "node-bound", caPins: cluster.pins())
        let identity = try await JoinClient(registry: client, logger: logger).join(parameters)
        // The binding of the keys the identity holds, computed here from its private keys.
        let sshKey = try OpenSSHPrivateKeyFile.decode(identity.sshPrivateKey)
        let tlsKey = try P256.Signing.PrivateKey(pemRepresentation: identity.tlsPrivateKey)
        let expected = KeyBinding(sshPublicKey: Data(SSHPublicKey(sshKey.publicKey).wireBytes),
                                  tlsPublicKey: tlsKey.publicKey.derRepresentation)
        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.last)
        XCTAssertTrue(event.success, event.reason ?? "")
        XCTAssertEqual(event.attributes["fixture_key_binding"], expected.text)
    }

    func testRelayThatSwapsTheKeysGetsNoCertificateFromAnExternalMethod() async throws {
        let (cluster, client) = try await startCluster()
        let nodeKeys = JoinTestKeys(), relayKeys = JoinTestKeys()
        let prover = try client.makeProver(named: "fixture", context: ProverContext(joinParams: .object(["fixture": .object(["behaviour": .string("ok")])])))
        let proof = nodeKeys.proof(token: "fixture-token", role: .node, nodeName: "node-1")
        let stream = InMemoryJoinStream(
            [InMemoryJoinStream.clientInit(token: "fixture-token", method: "fixture", payload: try await prover.initialPayload(for: proof),
                                           keys: relayKeys)],
            answer: { try await prover.answer($0, for: proof) })
        do {
            try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:7200")
            XCTFail("the relay's keys were certified")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("bound to other public keys"), error.message)
        }
        XCTAssertNil(stream.result)
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.map(\.success), [false])
    }
}
