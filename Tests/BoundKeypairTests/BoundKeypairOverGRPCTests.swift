import Agent
import BoundKeypairJoin
import Foundation
import JoinCore
import Server
import TestSupport
import TokenJoin
import XCTest

/// The bound-keypair method inside a real Auth server, over gRPC and TLS, with real client
/// state directories: registration, races, recoveries, cloning and locks (spec §8, §14
/// scenarios 9 and 10). Only the certificates' expiry is simulated, by not presenting them.
final class BoundKeypairOverGRPCTests: XCTestCase {
    private var cluster: TestCluster!
    private var scratch: URL!
    private let tokenName = "robot-bkp"

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair]))
        _ = try await cluster.start()
        try await cluster.addBot("robot")
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bkp-grpc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        await cluster.stop()
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: Helpers

    @discardableResult
    private func createToken(_ section: JSONValue) async throws -> ProvisionToken {
        var token = ProvisionToken(name: tokenName, roles: [.bot], joinMethod: "bound_keypair")
        token.spec.botName = "robot"
        token.spec.methodSections["bound_keypair"] = section
        return try await cluster.server.tokens.create(token, upsert: false)
    }

    private func storage(_ name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func join(_ storage: URL, secret: String? = nil, presenting: BotIdentity? = nil) async throws -> BotIdentity {
        try await Self.join(cluster, token: tokenName, storage: storage, secret: secret, presenting: presenting)
    }

    private static func join(_ cluster: TestCluster, token: String, storage: URL, secret: String? = nil,
                             presenting: BotIdentity? = nil) async throws -> BotIdentity {
        let params: JSONValue = secret.map { .object(["bound_keypair": .object(["registration_secret": .string($0)])]) } ?? .object([:])
        var parameters = try cluster.botParameters(token: token)
        parameters.method = "bound_keypair"
        return try await cluster.joinClient(joinParams: params, storage: storage).joinBot(parameters, presenting: presenting)
    }

    private func status() async throws -> JSONValue? {
        try await cluster.server.tokens.get(name: tokenName).token.status?["bound_keypair"]
    }

    private func recoveryCount() async throws -> Int {
        guard case .number(let count)? = try await status()?["recovery_count"] else { return 0 }
        return Int(count)
    }

    private func assertDenied(_ message: String, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("expected a refusal containing \"\(message)\"", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains(message), "message was: \(error.message)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    private func copyStorage(_ from: URL, to name: String) throws -> URL {
        let target = scratch.appendingPathComponent(name)
        try FileManager.default.copyItem(at: from, to: target)
        return target
    }

    // MARK: Onboarding

    func testRegistrationSecretIsGeneratedBindsOnceAndIsConsumed() async throws {
        let token = try await createToken(.object(["recovery": .object(["mode": .string("standard"), "limit": .number(1)])]))
        let secret = try XCTUnwrap(token.status?["bound_keypair"]?["registration_secret"]?.stringValue)
        XCTAssertEqual(secret.count, 32)

        let first = try storage("first")
        let identity = try await join(first, secret: secret)
        XCTAssertEqual(identity.botName, "robot")
        XCTAssertEqual(identity.generation, 1)
        XCTAssertFalse(identity.renewable, "bound-keypair certificates are renewed by joining again")
        let bound = try await status()
        XCTAssertNil(bound?["registration_secret"], "the secret is cleared once used")
        let state = try BoundKeypairClientState.load(directory: first)
        XCTAssertEqual(bound?["bound_public_key"]?.stringValue, state.publicKey?.authorizedKey)
        XCTAssertEqual(bound?["bound_bot_instance_id"]?.stringValue, identity.instanceID)
        XCTAssertNotNil(state.joinState)

        // Once bound, the server challenges the bound key; a second bot holding only the
        // spent secret cannot answer.
        await assertDenied("the token is bound to key") {
            _ = try await self.join(try self.storage("second"), secret: secret)
        }
        let unchanged = try await status()
        XCTAssertEqual(unchanged, bound, "a refused join changes nothing")
        // The first bot re-joins without a secret, continuing its instance.
        let again = try await join(first, presenting: identity)
        XCTAssertEqual(again.instanceID, identity.instanceID)
        XCTAssertEqual(again.generation, 2)
        let count = try await recoveryCount()
        XCTAssertEqual(count, 1, "an authenticated re-join is not a recovery")
    }

    func testTwoBotsRacingWithOneSecretBindExactlyOnce() async throws {
        let token = try await createToken(.object(["recovery": .object(["mode": .string("standard"), "limit": .number(1)])]))
        let secret = try XCTUnwrap(token.status?["bound_keypair"]?["registration_secret"]?.stringValue)
        let directories = try (0..<6).map { try storage("racer-\($0)") }
        let cluster = self.cluster!, name = tokenName
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for directory in directories {
                group.addTask { (try? await Self.join(cluster, token: name, storage: directory, secret: secret)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.filter { $0 }.count, 1)
        let count = try await recoveryCount()
        XCTAssertEqual(count, 1)
        let instances = try await cluster.server.botInstances.list(botName: "robot")
        XCTAssertEqual(instances.count, 1, "losers must not leave bot instances behind")
    }

    // MARK: Recovery

    func testStandardModeLimitsRecoveries() async throws {
        let directory = try storage("limited")
        let key = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false).publicKey
        try await createToken(.object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("standard"), "limit": .number(2)]),
        ]))
        let first = try await join(directory)              // recovery 1 of 2 (the first join)
        let second = try await join(directory)             // certificates "expired": recovery 2 of 2
        XCTAssertNotEqual(second.instanceID, first.instanceID, "a recovery starts a new bot instance")
        XCTAssertEqual(second.generation, 1, "a new instance starts its generation at 1")
        await assertDenied("no rejoins remaining") { _ = try await self.join(directory) }
        let count = try await recoveryCount()
        XCTAssertEqual(count, 2)
    }

    func testRelaxedModeHasNoLimitAndConcurrentRecoveriesCountOnce() async throws {
        let directory = try storage("relaxed")
        let key = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false).publicKey
        try await createToken(.object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed"), "limit": .number(1)]),
        ]))
        for _ in 0..<3 { _ = try await join(directory) }
        let afterThree = try await recoveryCount()
        XCTAssertEqual(afterThree, 3)

        // Five copies of the same state recover at once: one wins, the counter moves once.
        let copies = try (0..<5).map { try copyStorage(directory, to: "copy-\($0)") }
        let cluster = self.cluster!, token = tokenName
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for copy in copies { group.addTask { (try? await Self.join(cluster, token: token, storage: copy)) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let final = try await recoveryCount()
        XCTAssertEqual(final, 3 + outcomes.filter { $0 }.count)
        XCTAssertLessThanOrEqual(outcomes.filter { $0 }.count, 1)
    }

    // MARK: Cloning

    func testACloneWithStaleCertificatesLocksTheTokenAndAnAdministratorCanRestoreTheHonestBot() async throws {
        let honest = try storage("honest")
        let key = try BoundKeypairClientState.createKeypair(in: honest, suite: "balanced-v1", overwrite: false).publicKey
        try await createToken(.object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("standard"), "limit": .number(1)]),
        ]))
        let original = try await join(honest)
        let clone = try copyStorage(honest, to: "clone")
        let renewed = try await join(honest, presenting: original)     // generation 2
        await assertDenied("cert generation mismatch") { _ = try await self.join(clone, presenting: original) }

        let locks = try await cluster.server.locks.list()
        XCTAssertEqual(locks.map(\.target), [.joinToken(tokenName)])
        await assertDenied("is locked") { _ = try await self.join(honest, presenting: renewed) }
        let events = try await cluster.backend.auditEvents(limit: 100)
        XCTAssertTrue(events.contains { $0.type == "lock.created" && $0.attributes["target_value"] == tokenName })

        try await cluster.server.locks.delete(name: try XCTUnwrap(locks.first).name)
        let restored = try await join(honest, presenting: renewed)
        XCTAssertEqual(restored.generation, 3)
    }

    func testAClonedKeypairRecoveringAfterTheOriginalFailsJoinStateVerificationAndLocksTheToken() async throws {
        let honest = try storage("honest")
        let key = try BoundKeypairClientState.createKeypair(in: honest, suite: "balanced-v1", overwrite: false).publicKey
        try await createToken(.object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed")]),
        ]))
        _ = try await join(honest)
        let clone = try copyStorage(honest, to: "clone")
        _ = try await join(honest)                                     // recovery: sequence 2
        await assertDenied("join state verification failed") { _ = try await self.join(clone) }

        let events = try await cluster.backend.auditEvents(limit: 100)
        let failure = events.first { $0.type == "bound_keypair.join_state_verification_failed" }
        XCTAssertNotNil(failure)
        XCTAssertEqual(failure?.tokenName, tokenName)
        let locks = try await cluster.server.locks.list()
        XCTAssertEqual(locks.map(\.target), [.joinToken(tokenName)])
        await assertDenied("is locked") { _ = try await self.join(honest) }

        // Lift the lock; the honest bot's join state still matches, so it recovers again.
        try await cluster.server.locks.delete(name: try XCTUnwrap(locks.first).name)
        _ = try await join(honest)
        let count = try await recoveryCount()
        XCTAssertEqual(count, 3)
    }

    // MARK: Rotation

    func testRotateAfterRotatesOnceAndTheOldKeyIsRefusedAfterwards() async throws {
        let directory = try storage("rotating")
        let key = try BoundKeypairClientState.createKeypair(in: directory, suite: "balanced-v1", overwrite: false).publicKey
        try await createToken(.object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed")]),
            "rotate_after": .string(RFC3339.format(Date().addingTimeInterval(-60))),
        ]))
        let stale = try copyStorage(directory, to: "before-rotation")
        let identity = try await join(directory)
        let rotated = try BoundKeypairClientState.load(directory: directory).publicKey
        XCTAssertNotEqual(rotated, key, "the first join after rotate_after rotates the key")
        let afterRotation = try await status()
        XCTAssertEqual(afterRotation?["bound_public_key"]?.stringValue, rotated?.authorizedKey)
        XCTAssertNotNil(afterRotation?["last_rotated_at"])

        _ = try await join(directory, presenting: identity)
        XCTAssertEqual(try BoundKeypairClientState.load(directory: directory).publicKey, rotated, "rotation happens once")
        await assertDenied("the token is bound to key") { _ = try await self.join(stale) }
    }
}
