import Foundation
import JoinCore
import JoineryProto
import Server
import X509
import TestSupport
import XCTest

/// The core pipeline driven without a network: token lookup, method and role checks,
/// single-use bot tokens, rate limits, audit.
final class JoinPipelineTests: XCTestCase {
    private var cluster: TestCluster!
    private let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    override func setUp() async throws {
        cluster = try await TestCluster(staticTokens: ["node,proxy:static-secret-value-123"], clock: clock,
                                        rateLimits: .init(averagePerSecond: 1000, burst: 1000))
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func join(_ request: Joinery_V1_JoinRequest, from address: String = "127.0.0.1:5000") async throws -> InMemoryJoinStream {
        let stream = InMemoryJoinStream([request])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: address)
        return stream
    }

    private func assertRejected(_ request: Joinery_V1_JoinRequest, kind: JoinError.Kind, containing text: String,
                                file: StaticString = #filePath, line: UInt = #line) async {
        await assertJoinError(kind, containing: text, file: file, line: line) { try await join(request) }
    }

    private func auditEvents() async throws -> [AuditEvent] {
        try await cluster.backend.auditEvents(limit: 1000)
    }

    func testTokenJoinIssuesHostCertificatesForTheServerAssignedHostID() async throws {
        try await cluster.addToken("0123456789abcdef0123456789abcdef", roles: [.node])
        let stream = try await join(InMemoryJoinStream.clientInit(token: "0123456789abcdef0123456789abcdef"))
        let result = try XCTUnwrap(stream.result)
        XCTAssertNotNil(UUID(uuidString: result.hostID), "host ID should be a UUID, was \(result.hostID)")
        let certificate = try Certificate(derEncoded: Array(result.certificates.tlsCert))
        XCTAssertTrue(certificate.subject.description.contains("CN=\(result.hostID).\(TestCluster.clusterName)"))
        guard case .serverInit(let serverInit)? = stream.sent.first?.payload else { return XCTFail("no ServerInit first") }
        XCTAssertEqual(serverInit.joinMethod, "token")
        XCTAssertEqual(serverInit.clusterName, TestCluster.clusterName)
        let events = try await auditEvents()
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.success, true)
        XCTAssertEqual(events.first?.hostID, result.hostID)
        XCTAssertEqual(events.first?.method, "token")
        XCTAssertEqual(events.first?.remoteAddress, "127.0.0.1:5000")
    }

    func testUnknownAndExpiredTokensGiveTheSameMessageAndExpiredTokensAreDeleted() async throws {
        await assertRejected(InMemoryJoinStream.clientInit(token: "no-such-token-anywhere-1234"),
                             kind: .accessDenied, containing: "token expired or not found")
        try await cluster.addToken("short-lived-token-abcdef012345", roles: [.node], ttl: 60)
        clock.advance(by: 61)
        await assertRejected(InMemoryJoinStream.clientInit(token: "short-lived-token-abcdef012345"),
                             kind: .accessDenied, containing: "token expired or not found")
        let stored = try await cluster.backend.get("/tokens/short-lived-token-abcdef012345")
        XCTAssertNil(stored)
        let events = try await auditEvents()
        XCTAssertEqual(events.count, 2)
        XCTAssertTrue(events.allSatisfy { !$0.success && $0.reason == "token expired or not found" })
    }

    func testRoleTheTokenDoesNotAllowIsRejected() async throws {
        try await cluster.addToken("node-only-token-0123456789abcdef", roles: [.node])
        await assertRejected(InMemoryJoinStream.clientInit(token: "node-only-token-0123456789abcdef", role: .proxy),
                             kind: .badParameter, containing: "the token does not allow role Proxy")
    }

    func testInstanceRoleNeedsALocalServiceRoleInTheToken() async throws {
        try await cluster.addToken("bot-token-0123456789abcdef", roles: [.bot], botName: "robot")
        await assertRejected(InMemoryJoinStream.clientInit(token: "bot-token-0123456789abcdef", role: .instance),
                             kind: .accessDenied, containing: "token contains no local service roles")
    }

    func testClientAskingForAnotherMethodIsAnsweredLikeAnUnknownTokenButAuditedPrecisely() async throws {
        try await cluster.addToken("a-token-method-token-0123456789", roles: [.node])
        do {
            _ = try await join(InMemoryJoinStream.clientInit(token: "a-token-method-token-0123456789", method: "ec2"))
            XCTFail("a join asking for another method succeeded")
        } catch let error as JoinError {
            XCTAssertEqual(error, .tokenExpiredOrNotFound, "the client must not learn that the token exists")
        }
        let events = try await auditEvents()
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.success, false)
        XCTAssertEqual(events.first?.reason, "client requested join method ec2, provision token only supports method token")
        XCTAssertEqual(events.first?.method, "token")
    }

    func testStaticTokenJoinsWhenTheClientAsksForTheTokenMethod() async throws {
        let stream = try await join(InMemoryJoinStream.clientInit(token: "static-secret-value-123", role: .proxy, method: "token"))
        XCTAssertNotNil(stream.result)
        let events = try await auditEvents()
        XCTAssertEqual(events.last?.method, "static")
        XCTAssertEqual(events.last?.tokenName, SafeName.mask("static-secret-value-123"))
    }

    func testStaticTokenCannotBeRemoved() async throws {
        do {
            try await cluster.server.tokens.delete(name: "static-secret-value-123")
            XCTFail("deleting a static token should fail")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("statically configured and cannot be removed"))
            XCTAssertFalse(error.message.contains("static-secret-value-123"))
        }
    }

    func testFiftyConcurrentUsesOfOneBotTokenYieldExactlyOneSuccess() async throws {
        try await cluster.addToken("bot-join-token-0123456789abcdef", roles: [.bot], botName: "robot")
        let pipeline = cluster.server.joinPipeline
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "bot-join-token-0123456789abcdef", role: .bot)])
                    return (try? await pipeline.run(stream, remoteAddress: "127.0.0.\(index % 250 + 1):4000")) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.filter { $0 }.count, 1)
        let remaining = try await cluster.backend.get("/tokens/bot-join-token-0123456789abcdef")
        XCTAssertNil(remaining, "a used bot token must be gone")
        let events = try await auditEvents()
        XCTAssertEqual(events.filter(\.success).count, 1)
        XCTAssertEqual(events.filter { !$0.success }.count, 49)
        XCTAssertTrue(events.allSatisfy { $0.type == "bot.join" })
    }

    func testOversizedMethodPayloadIsRejectedAndNothingIsStored() async throws {
        try await cluster.addToken("payload-token-0123456789abcdef", roles: [.node])
        let big = Data(repeating: 0x41, count: JoinPipeline.maximumPayloadBytes + 1)
        await assertRejected(InMemoryJoinStream.clientInit(token: "payload-token-0123456789abcdef", payload: big),
                             kind: .badParameter, containing: "the limit is")
        let nodes = try await cluster.server.nodes.list()
        XCTAssertTrue(nodes.isEmpty)
    }

    func testFirstMessageMustBeClientInit() async throws {
        let solution = Joinery_V1_JoinRequest.with { $0.solution = .with { $0.payload = Data([1, 2, 3]) } }
        await assertRejected(solution, kind: .badParameter, containing: "must be ClientInit")
    }

    func testMissingFieldsAreNamed() async throws {
        var request = InMemoryJoinStream.clientInit(token: "x")
        request.clientInit.tokenName = ""
        await assertRejected(request, kind: .badParameter, containing: "TokenName is required")
        request = InMemoryJoinStream.clientInit(token: "x")
        request.clientInit.systemRole = ""
        await assertRejected(request, kind: .badParameter, containing: "SystemRole is required")
        request = InMemoryJoinStream.clientInit(token: "x")
        request.clientInit.hostParams.hostName = "bad name with spaces"
        await assertRejected(request, kind: .badParameter, containing: "host_name")
    }

    func testTokenValueNeverAppearsInAuditEvents() async throws {
        let secret = "fedcba9876543210fedcba9876543210"
        try await cluster.addToken(secret, roles: [.node])
        _ = try await join(InMemoryJoinStream.clientInit(token: secret))
        await assertRejected(InMemoryJoinStream.clientInit(token: secret, role: .proxy), kind: .badParameter, containing: "Proxy")
        await assertRejected(InMemoryJoinStream.clientInit(token: secret + "0"), kind: .accessDenied, containing: "expired")
        let events = try await auditEvents()
        XCTAssertEqual(events.count, 3)
        let encoded = String(decoding: try JSONEncoder().encode(events), as: UTF8.self)
        XCTAssertFalse(encoded.contains(secret))
        XCTAssertFalse(encoded.contains(String(secret.prefix(16))))
    }
}
