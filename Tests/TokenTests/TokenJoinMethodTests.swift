import Foundation
import JoinCore
import TokenJoin
import XCTest

/// The `token` method: stored tokens whose name is the secret; bot tokens are single use.
final class TokenJoinMethodTests: XCTestCase {
    private let method = TokenJoinMethod()

    /// The token method must never challenge the client; calling this fails the test.
    private struct ForbiddenExchange: ChallengeExchange {
        func challenge(_ payload: Data) async throws -> Data {
            XCTFail("the token method sent a challenge")
            throw JoinError.internalError("unexpected challenge")
        }
    }

    private func attempt(_ token: ProvisionToken, role: SystemRole) -> JoinAttempt {
        JoinAttempt(token: token, tokenRevision: 7, requestedRole: role, nodeName: "node-1",
                    remoteAddress: "192.0.2.10:51000", initialPayload: Data(), startedAt: Date())
    }

    // MARK: Validation

    func testPlainTokenIsAcceptedUnchanged() throws {
        var token = ProvisionToken(name: "plain", roles: [.node, .proxy], joinMethod: "token",
                                   expires: Date(timeIntervalSince1970: 1_767_366_245))
        token.metadata.labels = ["env": "dev"]
        XCTAssertEqual(try method.validate(token), token)
    }

    func testDefaultedTokenPassesTheFullValidation() async throws {
        let set = JoinMethodSet(methods: [method])
        let validated = try await set.validate(ProvisionToken(name: "plain", roles: [.node]))
        XCTAssertEqual(validated.spec.joinMethod, "token")
    }

    /// The method owns no section; with no AWS method enabled, `allow` is no field at all
    /// (CLISupportTests/BuiltInTokenSectionsTests has the message with every method enabled).
    func testAllowRulesWithOnlyTheTokenMethodAreAnUnknownField() async {
        var token = ProvisionToken(name: "t", roles: [.node], joinMethod: "token")
        token.spec.methodSections["allow"] = .array([.object(["aws_account": .string("123456789012")])])
        do {
            _ = try await JoinMethodSet(methods: [method]).validate(token)
            XCTFail("the token was accepted")
        } catch {
            XCTAssertEqual((error as? JoinError)?.message, "unknown field \"spec.allow\"")
        }
    }

    func testBotTokenPassesValidation() throws {
        let token = ProvisionToken(name: "bot-token", roles: [.bot], joinMethod: "token")
        XCTAssertEqual(try method.validate(token), token)
    }

    // MARK: Attestation

    func testBotTokenIsConsumed() async throws {
        var token = ProvisionToken(name: "bot-token", roles: [.bot], joinMethod: "token")
        token.spec.botName = "robot"
        let attestation = try await method.attest(attempt(token, role: .bot), over: ForbiddenExchange())
        XCTAssertEqual(attestation.tokenChange, .consume)
    }

    func testHostTokenIsNotConsumed() async throws {
        let token = ProvisionToken(name: "host-token", roles: [.node, .proxy], joinMethod: "token")
        let attestation = try await method.attest(attempt(token, role: .node), over: ForbiddenExchange())
        XCTAssertEqual(attestation.tokenChange, .none)
    }

    func testAttestationLeavesHostIDToTheServer() async throws {
        let token = ProvisionToken(name: "host-token", roles: [.node], joinMethod: "token")
        let attestation = try await method.attest(attempt(token, role: .node), over: ForbiddenExchange())
        XCTAssertNil(attestation.hostID)
        XCTAssertNil(attestation.methodResult)
    }

    // MARK: Properties

    func testTokenNameIsSecret() {
        XCTAssertTrue(method.tokenNameIsSecret)
    }

    func testMethodHasNoTokenSourceAndOwnsNoSpecSections() {
        XCTAssertNil(method.tokenSource)
        XCTAssertTrue(method.tokenSpecSections.isEmpty)
    }

    func testAcceptsOnlyTokenRequests() {
        XCTAssertTrue(method.accepts(requestedMethod: "token"))
        XCTAssertFalse(method.accepts(requestedMethod: "static"))
        XCTAssertFalse(method.accepts(requestedMethod: "ec2"))
    }

    func testPluginIsNamedToken() throws {
        XCTAssertEqual(JoinMethodPlugin.storedTokens.name, "token")
        XCTAssertEqual(try JoinMethodPlugin.storedTokens.makeMethod(PluginContext()).name, "token")
        XCTAssertTrue(JoinMethodPlugin.storedTokens.authServiceKeys.isEmpty)
    }
}
