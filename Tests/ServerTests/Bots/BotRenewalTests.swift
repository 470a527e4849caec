import Agent
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import XCTest

/// Token-method bots over real gRPC and TLS: a single-use token gives renewable certificates,
/// renewals advance the instance's generation, and a copied identity is refused and locked
/// (spec §2.5, §8.7).
final class BotRenewalTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUp() async throws {
        cluster = try await TestCluster()
        _ = try await cluster.start()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func joinBot(token: String = "bot-token-0123456789abcdef") async throws -> BotIdentity {
        try await cluster.addToken(token, roles: [.bot], botName: "robot")
        return try await cluster.joinClient().joinBot(try cluster.botParameters(token: token))
    }

    private func renew(_ identity: BotIdentity) async throws -> BotIdentity {
        try await BotRenewalClient(clock: cluster.clock).renew(identity, authServer: try XCTUnwrap(cluster.address))
    }

    func testTokenJoinStartsARenewableInstanceAtGenerationOne() async throws {
        let identity = try await joinBot()
        XCTAssertEqual(identity.botName, "robot")
        XCTAssertEqual(identity.generation, 1)
        XCTAssertTrue(identity.renewable)
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
        let stored = try await cluster.server.botInstances.get(botName: "robot", instanceID: identity.instanceID)
        XCTAssertEqual(stored?.generation, 1)
        XCTAssertEqual(stored?.joinMethod, "token")
        let token = try await cluster.backend.get("/tokens/bot-token-0123456789abcdef")
        XCTAssertNil(token, "the bot token is single use")
    }

    func testRenewalsAdvanceTheGenerationOfTheSameInstance() async throws {
        var identity = try await joinBot()
        let instance = identity.instanceID
        for expected in 2...4 {
            identity = try await renew(identity)
            XCTAssertEqual(identity.generation, UInt64(expected))
            XCTAssertEqual(identity.instanceID, instance)
        }
        let stored = try await cluster.server.botInstances.get(botName: "robot", instanceID: instance)
        XCTAssertEqual(stored?.generation, 4)
        XCTAssertEqual(stored?.authentications.map(\.generation), [1, 2, 3, 4])
    }

    func testACopiedIdentityIsRefusedLocksTheInstanceAndTheLockCanBeLifted() async throws {
        let original = try await joinBot()
        let honest = try await renew(original)  // generation 2; `original` is now a stale copy
        do {
            _ = try await renew(original)
            XCTFail("renewing with a stale generation must fail")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("cert generation mismatch for bot robot/\(original.instanceID): stored=2, presented=1"),
                          error.message)
        }
        let locks = try await cluster.server.locks.list()
        XCTAssertEqual(locks.map(\.target), [.botInstanceID(original.instanceID)])
        let events = try await cluster.backend.auditEvents(limit: 100)
        let mismatches = events.filter { $0.type == "bot.generation_mismatch" }
        XCTAssertEqual(mismatches.count, 1)
        XCTAssertEqual(mismatches.first?.attributes["presented_generation"], "1")

        // The lock stops the honest copy too, until an administrator removes it.
        do {
            _ = try await renew(honest)
            XCTFail("a locked instance must not renew")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("is locked"), error.message)
        }
        try await cluster.server.locks.delete(name: try XCTUnwrap(locks.first).name)
        let renewed = try await renew(honest)
        XCTAssertEqual(renewed.generation, 3)
    }

    func testAJoinForABotThatDoesNotExistIsRefused() async throws {
        var token = ProvisionToken(name: "orphan-token-0123456789abcdef", roles: [.bot], expires: Date().addingTimeInterval(600))
        token.spec.botName = "ghost"
        _ = try await cluster.server.tokens.create(token, upsert: false)
        do {
            _ = try await cluster.joinClient().joinBot(try cluster.botParameters(token: "orphan-token-0123456789abcdef"))
            XCTFail("a join for a missing bot must fail")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("bot \"ghost\" does not exist"), error.message)
        }
        let instances = try await cluster.server.botInstances.list()
        XCTAssertTrue(instances.isEmpty)
    }

    func testANodeCertificateCannotBeRenewedAsABot() async throws {
        try await cluster.addToken("node-token-0123456789abcdef", roles: [.node])
        let address = try XCTUnwrap(cluster.address)
        let node = try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "node-token-0123456789abcdef", method: "token", role: .node, nodeName: "n1",
            caPins: cluster.pins()))
        let impostor = BotIdentity(
            botName: "robot", clusterName: TestCluster.clusterName, instanceID: "x", generation: 1, renewable: true,
            joinMethod: "token", privateKeyPEM: node.tlsPrivateKey, sshCertificate: node.sshCertificate, sshCAKeys: [],
            tlsCertificatePEM: node.tlsCertificate, tlsCACertificatesPEM: node.tlsCACertificates,
            validBefore: Date().addingTimeInterval(600), authServer: address.description)
        do {
            _ = try await renew(impostor)
            XCTFail("a host certificate must not renew as a bot")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("only bot certificates can be renewed"), error.message)
        }
    }
}
