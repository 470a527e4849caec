import Foundation
import JoinCore
import StaticJoin
import XCTest

/// The `static` method: config-file tokens that never expire and cannot be created as resources.
final class StaticJoinMethodTests: XCTestCase {
    private func method(_ entries: [String] = ["proxy,node:static-secret-0001", "db:another-static-secret"]) throws -> any JoinMethod {
        try JoinMethodPlugin.staticTokens.makeMethod(
            PluginContext(authService: .object(["tokens": .array(entries.map(JSONValue.string))])))
    }

    private func source() throws -> any TokenSource {
        try XCTUnwrap(method().tokenSource)
    }

    private struct UnusedExchange: ChallengeExchange {
        func challenge(_ payload: Data) async throws -> Data {
            XCTFail("the static method must not send a challenge")
            throw JoinError.internalError("unexpected challenge")
        }
    }

    func testPluginIsNamedStaticAndReadsTokens() {
        XCTAssertEqual(JoinMethodPlugin.staticTokens.name, "static")
        XCTAssertEqual(JoinMethodPlugin.staticTokens.authServiceKeys, ["tokens"])
    }

    func testMethodIsNamedStatic() throws {
        XCTAssertEqual(try method().name, "static")
    }

    func testTokenIsFoundByExactName() throws {
        let token = try XCTUnwrap(source().token(named: "static-secret-0001"))
        XCTAssertEqual(token.spec.roles, [.proxy, .node])
        XCTAssertEqual(try source().token(named: "another-static-secret")?.spec.roles, [.db])
    }

    func testPrefixOfATokenIsNotFound() throws {
        XCTAssertNil(try source().token(named: "static-secret"))
        XCTAssertNil(try source().token(named: ""))
    }

    func testLongerNameIsNotFound() throws {
        XCTAssertNil(try source().token(named: "static-secret-00012"))
    }

    func testCaseVariantIsNotFound() throws {
        XCTAssertNil(try source().token(named: "STATIC-SECRET-0001"))
    }

    func testAllTokensAreListed() throws {
        XCTAssertEqual(try source().allTokens().map(\.metadata.name), ["static-secret-0001", "another-static-secret"])
    }

    func testTokensCarryTheConfigFileOrigin() throws {
        for token in try source().allTokens() {
            XCTAssertEqual(token.metadata.labels?["teleport.dev/origin"], "config-file")
            XCTAssertEqual(token.metadata.origin, "config-file")
        }
    }

    func testTokensUseTheStaticMethodAndNeverExpire() throws {
        for token in try source().allTokens() {
            XCTAssertEqual(token.spec.joinMethod, "static")
            XCTAssertNil(token.metadata.expires)
            XCTAssertFalse(token.isExpired(at: .distantFuture))
        }
    }

    func testAcceptsClientsAskingForStaticOrToken() throws {
        let method = try method()
        XCTAssertTrue(method.accepts(requestedMethod: "static"))
        XCTAssertTrue(method.accepts(requestedMethod: "token"))
    }

    func testRejectsClientsAskingForOtherMethods() throws {
        let method = try method()
        XCTAssertFalse(method.accepts(requestedMethod: "ec2"))
        XCTAssertFalse(method.accepts(requestedMethod: ""))
        XCTAssertFalse(method.accepts(requestedMethod: "Token"))
    }

    func testStaticTokensCannotBeCreatedAsResources() async throws {
        let token = ProvisionToken(name: "new-static", roles: [.node], joinMethod: "static")
        do {
            _ = try await method().validate(token)
            XCTFail("a static token was accepted as a resource")
        } catch {
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter)
            XCTAssertTrue(message.contains("auth_service.tokens"), message)
        }
    }

    func testValidationThroughTheMethodSetRefusesStaticTokens() async throws {
        let set = JoinMethodSet(methods: [try method()])
        do {
            _ = try await set.validate(ProvisionToken(name: "x", roles: [.node], joinMethod: "static"))
            XCTFail("a static token was accepted as a resource")
        } catch {}
    }

    func testTokenNameIsSecret() throws {
        XCTAssertTrue(try method().tokenNameIsSecret)
    }

    func testAttestationChangesNothing() async throws {
        let token = try XCTUnwrap(source().token(named: "static-secret-0001"))
        let attempt = JoinAttempt(token: token, tokenRevision: nil, requestedRole: .node, nodeName: "node-1",
                                  remoteAddress: "10.0.0.5:40000", initialPayload: Data(), startedAt: Date())
        let attestation = try await method().attest(attempt, over: UnusedExchange())
        XCTAssertEqual(attestation.tokenChange, .none)
        XCTAssertNil(attestation.hostID)
        XCTAssertEqual(attempt.facts.all["token_origin"], "config-file")
    }

    func testProverIsNamedStaticAndSendsNothing() async throws {
        let prover = try JoinMethodPlugin.staticTokens.makeProver(ProverContext())
        XCTAssertEqual(prover.name, "static")
        let payload = try await prover.initialPayload(for: ProofRequest(tokenName: "t", role: .node, nodeName: "n"))
        XCTAssertTrue(payload.isEmpty)
    }
}
