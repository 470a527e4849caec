import Foundation
import JoinCore
import TokenJoin
import XCTest

/// The client half of the token method: the token name is the whole proof.
final class TokenProverTests: XCTestCase {
    private let request = ProofRequest(tokenName: "3f9c2b7a1d8e4f60a5b9c7d2e1f0a4b8", role: .node, nodeName: "node-1")

    private func prover() throws -> any JoinProver {
        try JoinMethodPlugin.storedTokens.makeProver(ProverContext())
    }

    func testProverIsNamedToken() throws {
        XCTAssertEqual(try prover().name, "token")
    }

    func testInitialPayloadIsEmpty() async throws {
        let payload = try await prover().initialPayload(for: request)
        XCTAssertTrue(payload.isEmpty)
    }

    func testChallengeIsRefused() async throws {
        let prover = try prover()
        do {
            _ = try await prover.answer(Data("nonce".utf8), for: request)
            XCTFail("the token prover answered a challenge")
        } catch let error as JoinError {
            XCTAssertEqual(error, .badParameter("join method token does not expect a challenge"))
            XCTAssertFalse(error.message.contains(request.tokenName))
        }
    }

    func testFollowsOnlyATokenServer() throws {
        let prover = try prover()
        XCTAssertTrue(prover.accepts(serverMethod: "token"))
        XCTAssertFalse(prover.accepts(serverMethod: "bound_keypair"))
    }
}
