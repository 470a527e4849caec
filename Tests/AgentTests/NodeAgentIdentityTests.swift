import Foundation
@testable import Agent
import JoinCore
import Logging
import TestSupport
import TokenJoin
import Transport
import XCTest

/// A restart reuses the identity in `data_dir` instead of joining again (DESIGN.md §6).
///
/// The agent's join client has an empty method registry, so any attempt to join fails at once
/// with `unknown join method "token"` — without touching the network — and shows up in the test.
final class NodeAgentIdentityTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory() }
    override func tearDown() { scratch.remove() }

    private func agent(_ store: IdentityStore) -> NodeAgent {
        let logger = Logger(label: "agent-tests")
        let parameters = JoinParameters(authServer: AuthAddress(host: "127.0.0.1", port: 1), tokenName: "unused-token", method: "token",
                                        role: .node, nodeName: "node-1")
        return NodeAgent(store: store, client: JoinClient(registry: JoinMethodRegistry(plugins: []), logger: logger),
                         parameters: parameters, labels: [:], advertiseAddress: "127.0.0.1:3022",
                         heartbeatInterval: .seconds(60), logger: logger)
    }

    func testStoredIdentityIsReusedWithoutJoining() async throws {
        let store = IdentityStore(dataDirectory: scratch.url("data"))
        let identity = SampleIdentity.make()
        try store.save(identity)
        let reused = try await agent(store).identity()
        XCTAssertEqual(reused, identity)
    }

    func testReusedIdentityIsExportedAgain() async throws {
        let store = IdentityStore(dataDirectory: scratch.url("data"))
        let identity = SampleIdentity.make()
        try store.save(identity)
        try FileManager.default.removeItem(at: store.keysDirectory)
        _ = try await agent(store).identity()
        let key = try String(contentsOf: store.keysDirectory.appendingPathComponent("ssh_host_key"), encoding: .utf8)
        XCTAssertEqual(key, identity.sshPrivateKey)
    }

    /// A method whose proof lives in the machine asks to be proved again at every start.
    private struct MachineBoundProver: JoinProver {
        let name = "machine-bound"
        var provesAgainAtStart: Bool { true }
    }

    func testAnAuthServerThatCannotBeReachedToProveAgainLeavesTheIdentityHeldInUse() async throws {
        // A real identity from a real cluster, which then stops: its address refuses connections.
        let cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens]))
        let address = try await cluster.start()
        try await cluster.addToken("held-identity-token-0123456789abcdef", roles: [.node])
        let identity = try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "held-identity-token-0123456789abcdef", method: "token", role: .node,
            nodeName: "node-1", caPins: cluster.pins()))
        await cluster.stop()
        let store = IdentityStore(dataDirectory: scratch.url("data"))
        try store.save(identity)

        let logger = Logger(label: "agent-tests")
        let plugin = JoinMethodPlugin(name: "machine-bound", makeMethod: { _ in throw JoinError.notImplemented("client only") },
                                      makeProver: { _ in MachineBoundProver() })
        let parameters = JoinParameters(authServer: address, tokenName: "bound-token", method: "machine-bound",
                                        role: .node, nodeName: "node-1")
        let agent = NodeAgent(store: store, client: JoinClient(registry: JoinMethodRegistry(plugins: [plugin]), logger: logger),
                              parameters: parameters, labels: [:], advertiseAddress: "127.0.0.1:3022",
                              heartbeatInterval: .seconds(60), logger: logger)
        XCTAssertTrue(try agent.client.provesAgainAtStart(parameters))
        let held = try await agent.identity()
        XCTAssertEqual(held, identity, "the identity held is used until the next start")
        XCTAssertEqual(try store.load(), identity)
    }

    func testWithoutAnIdentityTheAgentJoins() async throws {
        let store = IdentityStore(dataDirectory: scratch.url("data"))
        do {
            _ = try await agent(store).identity()
            XCTFail("expected the join to be attempted and fail")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.hasPrefix("unknown join method \"token\""), error.message)
        }
        XCTAssertNil(try store.load())
    }

    func testCorruptIdentityStopsTheAgentInsteadOfJoining() async throws {
        let store = IdentityStore(dataDirectory: scratch.url("data"))
        try store.save(SampleIdentity.make())
        try Data("not json".utf8).write(to: store.identityFile)
        do {
            _ = try await agent(store).identity()
            XCTFail("a corrupt identity must not be replaced silently")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("move it away"), error.message)
        }
        XCTAssertEqual(try String(contentsOf: store.identityFile, encoding: .utf8), "not json")
    }
}

/// A restarted process asked for roles its saved identity does not hold stops and says so,
/// instead of running on a certificate without them.
final class SavedIdentityRolesTests: XCTestCase {
    func testAnIdentityForANodeDoesNotCoverAnAddedRole() async throws {
        let cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens]))
        let address = try await cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("saved-roles-token-0123456789abcdef", roles: [.node, .app])
        let identity = try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "saved-roles-token-0123456789abcdef", method: "token", role: .node,
            nodeName: "node-1", caPins: cluster.pins()))

        XCTAssertNoThrow(try SavedIdentityRoles.check(identity, covers: [.node], file: "/data/identity.json"))
        XCTAssertThrowsError(try SavedIdentityRoles.check(identity, covers: [.node, .app], file: "/data/identity.json")) { error in
            XCTAssertEqual((error as? JoinError)?.message,
                           "the identity in /data/identity.json was issued for Node and does not cover App; to run --roles=node,app, "
                               + "move it away and join again with a token that allows every one of them")
        }
        XCTAssertThrowsError(try SavedIdentityRoles.check(identity, covers: [.proxy], file: "/data/identity.json"))
    }

    func testAnInstanceIdentityCoversEachOfItsRoles() async throws {
        let cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens]))
        let address = try await cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("saved-roles-token-0123456789abcdef", roles: [.node, .app])
        var parameters = JoinParameters(
            authServer: address, tokenName: "saved-roles-token-0123456789abcdef", method: "token", role: .instance,
            nodeName: "node-1", caPins: cluster.pins())
        parameters.systemRoles = [.node, .app]
        let identity = try await cluster.joinClient().join(parameters)
        XCTAssertNoThrow(try SavedIdentityRoles.check(identity, covers: [.node, .app], file: "identity.json"))
        XCTAssertNoThrow(try SavedIdentityRoles.check(identity, covers: [.app], file: "identity.json"))
        XCTAssertThrowsError(try SavedIdentityRoles.check(identity, covers: [.node, .proxy], file: "identity.json"))
    }
}
