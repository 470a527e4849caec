import Agent
import BoundKeypairJoin
import Foundation
import IAMJoin
import JoinCore
import Server
import StaticJoin
import TestSupport
import TokenJoin
import Transport
import XCTest

/// A client never follows a method switch (issue 15, item 3): one configured for a method
/// aborts when `ServerInit` names another, before it answers anything; one configured for none
/// takes the server's choice; `token` still joins a static token. Real Auth server, real gRPC
/// and TLS on 127.0.0.1; the switching server is a test method that accepts every requested
/// name (``MethodSwitchingMethod``).
final class MethodSwitchTests: XCTestCase {
    private var cluster: TestCluster!
    private var address: AuthAddress!
    private var storage: URL!
    private let solutions = MethodSwitchingMethod.Solutions()
    private static let staticSecret = "static-node-secret-0123456789abcdef"

    override func setUp() async throws {
        let registry = JoinMethodRegistry(plugins: [.staticTokens, .storedTokens, .boundKeypair, .iam, .methodSwitching(solutions)])
        cluster = try await TestCluster(registry: registry, staticTokens: ["node:\(Self.staticSecret)"])
        address = try await cluster.start()
        storage = FileManager.default.temporaryDirectory.appendingPathComponent("method-switch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        await cluster.stop()
        try? FileManager.default.removeItem(at: storage)
    }

    private func parameters(token: String, method: String, role: SystemRole = .node) -> JoinParameters {
        JoinParameters(authServer: address, tokenName: token, method: method, role: role,
                       nodeName: role == .bot ? "" : "node-1", caPins: cluster.pins())
    }

    private func addSwitchingToken(_ name: String, roles: [SystemRole], botName: String = "") async throws {
        var token = ProvisionToken(name: name, roles: roles, joinMethod: MethodSwitchingMethod.methodName,
                                   expires: cluster.clock.now.addingTimeInterval(1800))
        token.spec.botName = botName
        if !botName.isEmpty { try await cluster.addBot(botName) }
        _ = try await cluster.server.tokens.create(token, upsert: false)
    }

    /// Expects the join to be refused by the client with a message naming both methods.
    private func assertRefusedSwitch(configured: String, _ join: () async throws -> Void,
                                     file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await join()
            XCTFail("the client followed the server from \(configured) to another method", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains("join method \"\(MethodSwitchingMethod.methodName)\""), error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains("configured for join method \"\(configured)\""), error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains("join_params.method"), error.message, file: file, line: line)
        } catch {
            XCTFail("expected a JoinError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }

    /// The server's side of a refused attempt: audited as a failure, and no solution ever came.
    private func assertNoSolutionAndAFailedAttempt(file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        var events: [AuditEvent] = []
        while ContinuousClock.now < deadline {
            events = try await cluster.backend.auditEvents(limit: 10)
            if !events.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(events.count, 1, "\(events)", file: file, line: line)
        XCTAssertEqual(events.first?.success, false, file: file, line: line)
        XCTAssertEqual(solutions.received, 0, "the client answered the switched method's challenge", file: file, line: line)
    }

    func testBotAskingForBoundKeypairAbortsWhenTheServerNamesAnotherMethod() async throws {
        try await addSwitchingToken("switching-bot-token-0123456789", roles: [.bot], botName: "robot")
        let client = cluster.joinClient(joinParams: .object(["bound_keypair": .object(["registration_secret": .string("bkp-registration-secret")])]), storage: storage)
        await assertRefusedSwitch(configured: "bound_keypair") {
            _ = try await client.joinBot(self.parameters(token: "switching-bot-token-0123456789", method: "bound_keypair", role: .bot))
        }
        try await assertNoSolutionAndAFailedAttempt()
        let instances = try await cluster.server.botInstances.list()
        XCTAssertTrue(instances.isEmpty, "a bot instance was created")
    }

    func testNodeAskingForIAMAbortsWhenTheServerNamesAnotherMethod() async throws {
        try await addSwitchingToken("switching-node-token-0123456789", roles: [.node])
        await assertRefusedSwitch(configured: "iam") {
            _ = try await self.cluster.joinClient().join(self.parameters(token: "switching-node-token-0123456789", method: "iam"))
        }
        try await assertNoSolutionAndAFailedAttempt()
    }

    func testNodeAskingForTokenAbortsWhenTheServerNamesAMethodWithAChallenge() async throws {
        try await addSwitchingToken("switching-node-token-abcdef0123", roles: [.node])
        await assertRefusedSwitch(configured: "token") {
            _ = try await self.cluster.joinClient().join(self.parameters(token: "switching-node-token-abcdef0123", method: "token"))
        }
        try await assertNoSolutionAndAFailedAttempt()
    }

    func testNodeWithNoMethodTakesTheServersChoice() async throws {
        try await cluster.addToken("no-method-token-0123456789abcdef", roles: [.node])
        let identity = try await cluster.joinClient().join(parameters(token: "no-method-token-0123456789abcdef", method: ""))
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.map(\.success), [true])
        XCTAssertEqual(events.first?.method, "token")
    }

    func testNodeAskingForTokenJoinsAStaticToken() async throws {
        let identity = try await cluster.joinClient().join(parameters(token: Self.staticSecret, method: "token"))
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.map(\.success), [true])
        XCTAssertEqual(events.first?.method, "static")
    }

    func testBotWithNoMethodRefusesAMethodWhoseProofBelongsInTheFirstMessage() async throws {
        try await cluster.addBot("robot")
        let key = try BoundKeypairClientState.createKeypair(in: storage, suite: "balanced-v1", overwrite: false).publicKey
        var token = ProvisionToken(name: "bkp-no-method-token", roles: [.bot], joinMethod: "bound_keypair")
        token.spec.botName = "robot"
        token.spec.methodSections["bound_keypair"] = .object(["onboarding": .object(["initial_public_key": .string(key.authorizedKey)])])
        _ = try await cluster.server.tokens.create(token, upsert: false)
        let before = try await cluster.server.tokens.get(name: "bkp-no-method-token").token.status

        do {
            _ = try await cluster.joinClient(storage: storage).joinBot(parameters(token: "bkp-no-method-token", method: "", role: .bot))
            XCTFail("a bound_keypair join without the method named sent no proof, yet succeeded")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, error.message)
            XCTAssertTrue(error.message.contains("set join_params.method: bound_keypair"), error.message)
        }
        let after = try await cluster.server.tokens.get(name: "bkp-no-method-token").token.status
        XCTAssertEqual(after, before, "the token's bound-keypair state changed")
        let instances = try await cluster.server.botInstances.list()
        XCTAssertTrue(instances.isEmpty)
    }
}
