import BoundKeypairJoin
import Foundation
import JoinCore
import Server
import Synchronization
import TestSupport
import TokenJoin
import XCTest

/// The bound-keypair proof is bound to the keys the join certifies (issue 15, item 7): every
/// challenge document carries `key_binding`, the ``KeyBinding`` of the keys in the `ClientInit`
/// the Auth server got; the bot signs only a document naming the binding of its own keys, and
/// the server accepts only a signature over the binding it computed. Through the real pipeline,
/// a relay that swaps the keys gets no certificate and changes nothing: no recovery counted, no
/// bot instance, no lock, and the refusal is audited.
final class KeySwappingRelayTests: XCTestCase {
    private var cluster: TestCluster!
    private var storage: URL!
    private let tokenName = "relay-bkp"
    /// The keys the bot generated; the prover is told their binding.
    private let botKeys = JoinTestKeys()
    /// The keys a relay puts into ClientInit instead.
    private let relayKeys = JoinTestKeys()

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair]))
        try await cluster.addBot("robot")
        storage = FileManager.default.temporaryDirectory.appendingPathComponent("bkp-relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let key = try BoundKeypairClientState.createKeypair(in: storage, suite: "balanced-v1", overwrite: false).publicKey
        var token = ProvisionToken(name: tokenName, roles: [.bot], joinMethod: "bound_keypair")
        token.spec.botName = "robot"
        token.spec.methodSections["bound_keypair"] = .object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
        ])
        _ = try await cluster.server.tokens.create(token, upsert: false)
    }

    override func tearDown() async throws {
        await cluster.stop()
        try? FileManager.default.removeItem(at: storage)
    }

    private func prover() throws -> any JoinProver {
        try cluster.registry.makeProver(named: "bound_keypair", context: ProverContext(dataDirectory: storage))
    }

    /// One join whose ClientInit carries `keys` (the bot's own, or a relay's), with challenges
    /// answered by `answer`; returns the stream and what the pipeline threw.
    private func join(keys: JoinTestKeys, answer: @escaping @Sendable (Data) async throws -> Data) async throws -> (InMemoryJoinStream, (any Error)?) {
        let payload = try await prover().initialPayload(for: botKeys.proof(token: tokenName, role: .bot))
        let stream = InMemoryJoinStream(
            [InMemoryJoinStream.clientInit(token: tokenName, role: .bot, method: "bound_keypair", payload: payload, keys: keys)],
            answer: answer)
        do {
            try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:7100")
            return (stream, nil)
        } catch {
            return (stream, error)
        }
    }

    /// The `bot.join` events (the method adds its own `bound_keypair.*` events beside them).
    private func joinEvents() async throws -> [AuditEvent] {
        try await cluster.backend.auditEvents(limit: 10).filter { $0.type == "bot.join" }
    }

    /// What a refused attempt must leave as it was.
    private func snapshot() async throws -> (JSONValue?, Int, Int) {
        (try await cluster.server.tokens.get(name: tokenName).token.status?["bound_keypair"],
         try await cluster.server.botInstances.list().count, try await cluster.server.locks.list().count)
    }

    private func assertUnchanged(since before: (JSONValue?, Int, Int), file: StaticString = #filePath, line: UInt = #line) async throws {
        let after = try await snapshot()
        XCTAssertEqual(after.0, before.0, "the token's bound-keypair state changed", file: file, line: line)
        XCTAssertEqual(after.1, before.1, "a bot instance was created", file: file, line: line)
        XCTAssertEqual(after.2, before.2, "a lock was created", file: file, line: line)
    }

    func testBotWhoseKeysArriveUnchangedJoins() async throws {
        let prover = try prover()
        let proof = botKeys.proof(token: tokenName, role: .bot)
        let (stream, error) = try await join(keys: botKeys) { try await prover.answer($0, for: proof) }
        XCTAssertNil(error)
        XCTAssertNotNil(stream.result)
    }

    func testRelayThatSwapsTheKeysGetsNoCertificateBecauseTheBotRefusesToSign() async throws {
        let before = try await snapshot()
        let prover = try prover()
        let proof = botKeys.proof(token: tokenName, role: .bot)
        let refusal = Mutex<JoinError?>(nil)
        let (stream, error) = try await join(keys: relayKeys) { challenge in
            do {
                return try await prover.answer(challenge, for: proof)
            } catch let error as JoinError {
                refusal.withLock { $0 = error }
                throw error
            }
        }
        XCTAssertNotNil(error)
        XCTAssertNil(stream.result, "the relay's keys were certified")
        let botError = try XCTUnwrap(refusal.withLock { $0 }, "the bot signed a challenge bound to the relay's keys")
        XCTAssertEqual(botError.kind, .accessDenied)
        XCTAssertTrue(botError.message.contains("bound to other public keys than the ones this bot generated"), botError.message)
        try await assertUnchanged(since: before)
        let join = try await joinEvents()
        XCTAssertEqual(join.map(\.success), [false])
    }

    func testRelayThatAlsoRewritesTheChallengeGetsNoCertificate() async throws {
        let before = try await snapshot()
        let prover = try prover()
        let proof = botKeys.proof(token: tokenName, role: .bot)
        let botBinding = botKeys.binding.text
        let (stream, error) = try await join(keys: relayKeys) { challenge in
            // The relay shows the bot a document naming the bot's own binding, so it signs.
            try await prover.answer(Self.rebinding(challenge, to: botBinding), for: proof)
        }
        XCTAssertNil(stream.result, "the relay's keys were certified")
        let refusal = try XCTUnwrap(error as? JoinError, "expected a JoinError, got \(String(describing: error))")
        XCTAssertEqual(refusal.kind, .accessDenied)
        XCTAssertTrue(refusal.message.contains("signed for other public keys than the ones this join asks to certify"), refusal.message)
        try await assertUnchanged(since: before)
        let join = try await joinEvents()
        XCTAssertEqual(join.map(\.success), [false])
        XCTAssertTrue(join.first?.reason?.contains("replaced the keys in ClientInit") ?? false, join.first?.reason ?? "")
        XCTAssertTrue(join.first?.attributes["challenge_failure"]?.contains("key_binding") ?? false, "\(join.first?.attributes ?? [:])")
    }

    /// A server challenge whose document's `key_binding` is replaced by `binding`.
    private static func rebinding(_ challenge: Data, to binding: String) throws -> Data {
        var message = try XCTUnwrap(JSONSerialization.jsonObject(with: challenge) as? [String: Any])
        let document = try XCTUnwrap(message["challenge"] as? String)
        var claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        XCTAssertNotNil(claims["key_binding"], "the challenge carries no key binding")
        claims["key_binding"] = binding
        message["challenge"] = String(decoding: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]), as: UTF8.self)
        return try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])
    }
}
