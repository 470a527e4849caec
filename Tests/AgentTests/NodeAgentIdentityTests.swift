import Foundation
@testable import Agent
import JoinCore
import Logging
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
