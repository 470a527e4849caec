import BoundKeypairJoin
import Foundation
import JoinCore
import Server
import Synchronization
import TestSupport
import TokenJoin
import XCTest

/// Malformed, oversized, truncated and replayed bound-keypair messages through the real
/// pipeline: each is refused with a clear error and leaves the token's status, the bot
/// instances and the locks exactly as they were.
final class BoundKeypairBadInputTests: XCTestCase {
    private var cluster: TestCluster!
    private var storage: URL!
    private let tokenName = "bad-input-bkp"

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair]))
        try await cluster.addBot("robot")
        storage = FileManager.default.temporaryDirectory.appendingPathComponent("bkp-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let key = try BoundKeypairClientState.createKeypair(in: storage, suite: "balanced-v1", overwrite: false).publicKey
        var token = ProvisionToken(name: tokenName, roles: [.bot], joinMethod: "bound_keypair")
        token.spec.botName = "robot"
        token.spec.methodSections["bound_keypair"] = .object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed")]),
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

    /// The keys every join here presents in ClientInit; the prover is told their binding.
    private let keys = JoinTestKeys()
    private var proof: ProofRequest { keys.proof(token: tokenName, role: .bot) }

    /// Runs one join whose ClientInit carries `payload` and whose challenges `answer` solves.
    private func join(payload: Data, answer: @escaping @Sendable (Data) async throws -> Data) async throws -> InMemoryJoinStream {
        let stream = InMemoryJoinStream(
            [InMemoryJoinStream.clientInit(token: tokenName, role: .bot, method: "bound_keypair", payload: payload, keys: keys)],
            answer: answer)
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:7000")
        return stream
    }

    /// What a refused attempt must not change.
    private func snapshot() async throws -> (JSONValue?, Int, Int) {
        (try await cluster.server.tokens.get(name: tokenName).token.status?["bound_keypair"],
         try await cluster.server.botInstances.list().count, try await cluster.server.locks.list().count)
    }

    private func assertRefusedAndUnchanged(_ containing: String, file: StaticString = #filePath, line: UInt = #line,
                                           _ attempt: () async throws -> Void) async throws {
        let before = try await snapshot()
        do {
            try await attempt()
            XCTFail("the attempt should have been refused", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains(containing), "message was: \(error.message)", file: file, line: line)
        }
        let after = try await snapshot()
        XCTAssertEqual(after.0, before.0, "the token's status changed", file: file, line: line)
        XCTAssertEqual(after.1, before.1, "a bot instance was created", file: file, line: line)
        XCTAssertEqual(after.2, before.2, "a lock was created", file: file, line: line)
    }

    func testAReplayedSolutionIsRefused() async throws {
        let prover = try prover()
        let proof = self.proof
        let recorded = Mutex<Data?>(nil)
        _ = try await join(payload: try await prover.initialPayload(for: proof)) { challenge in
            let solution = try await prover.answer(challenge, for: proof)
            recorded.withLock { $0 = solution }
            return solution
        }
        let old = try XCTUnwrap(recorded.withLock { $0 })
        let payload = try await self.prover().initialPayload(for: proof)
        try await assertRefusedAndUnchanged("failed to complete challenge") {
            _ = try await self.join(payload: payload) { _ in old }
        }
    }

    func testAMalformedClientInitPayloadIsRefused() async throws {
        try await assertRefusedAndUnchanged("bound_keypair") {
            _ = try await self.join(payload: Data("{not json".utf8)) { _ in Data() }
        }
    }

    func testAnOversizedSolutionIsRefused() async throws {
        let payload = try await prover().initialPayload(for: proof)
        try await assertRefusedAndUnchanged("larger than") {
            _ = try await self.join(payload: payload) { _ in Data(repeating: 0x41, count: 40 * 1024) }
        }
    }

    func testATruncatedSolutionIsRefused() async throws {
        let prover = try prover()
        let proof = self.proof
        let payload = try await prover.initialPayload(for: proof)
        try await assertRefusedAndUnchanged("the challenge solution is not valid") {
            _ = try await self.join(payload: payload) { challenge in
                let solution = try await prover.answer(challenge, for: proof)
                return solution.prefix(solution.count / 2)
            }
        }
    }
}
