import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import X509
import XCTest

/// No joinable path to Admin (issue 15, item 4): the token store refuses roles no token may
/// grant, and the join pipeline refuses a request for one and a token carrying one — a token
/// stored before the rule existed — with `accessDenied`, audited, and nothing issued.
final class UnjoinableRoleJoinTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUp() async throws {
        cluster = try await TestCluster(rateLimits: .init(averagePerSecond: 1000, burst: 1000))
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// Writes `token` straight into the backend, as a version without the rule could have.
    private func storeUnchecked(_ token: ProvisionToken) async throws {
        var token = token
        token.spec.joinMethod = "token"
        _ = try await cluster.backend.create("/tokens/\(token.metadata.name)", value: try JSONEncoder().encode(token),
                                             expires: token.metadata.expires)
    }

    private func join(_ request: Joinery_V1_JoinRequest) async -> (InMemoryJoinStream, JoinError?) {
        let stream = InMemoryJoinStream([request])
        do {
            try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:5000")
            return (stream, nil)
        } catch {
            return (stream, error as? JoinError ?? JoinError.internalError("\(error)"))
        }
    }

    func testTheTokenStoreRefusesATokenWithRoleAdminAndStoresNothing() async throws {
        let token = ProvisionToken(name: "admin-token-resource-0123456789", roles: [.admin], expires: Date().addingTimeInterval(600))
        do {
            _ = try await cluster.server.tokens.create(token, upsert: false)
            XCTFail("a token with role Admin was stored")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("role Admin cannot be granted by a join token"), error.message)
        }
        let stored = try await cluster.backend.get("/tokens/admin-token-resource-0123456789")
        XCTAssertNil(stored)
    }

    func testAStoredAdminTokenCannotJoinAndNothingIsIssued() async throws {
        let name = "legacy-admin-token-0123456789ab"
        try await storeUnchecked(ProvisionToken(name: name, roles: [.admin], expires: Date().addingTimeInterval(600)))
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: name, role: .admin))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.contains("role Admin") ?? false, "\(String(describing: error))")
        XCTAssertNil(stream.result, "no certificate may leave")
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.success, false)
        XCTAssertTrue(events.first?.reason?.contains("role Admin") ?? false, "\(events)")
        let nodes = try await cluster.server.nodes.list()
        XCTAssertTrue(nodes.isEmpty)
    }

    func testAStoredTokenCarryingAdminIsRefusedEvenForAnotherRole() async throws {
        let name = "legacy-node-admin-token-012345"
        try await storeUnchecked(ProvisionToken(name: name, roles: [.node, .admin], expires: Date().addingTimeInterval(600)))
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: name, role: .node))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.contains("this token carries role Admin, which no token may grant") ?? false,
                      "\(String(describing: error))")
        XCTAssertNil(stream.result)
        let token = try await cluster.backend.get("/tokens/\(name)")
        XCTAssertNotNil(token, "the refusal changes nothing; the operator deletes the token")
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.map(\.success), [false])
    }

    func testARequestForRoleAuthIsRefusedWithoutLookingUpTheToken() async throws {
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: "no-such-token-0123456789abcdef", role: .auth))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.hasPrefix("no join can be issued a certificate for role Auth") ?? false, "\(String(describing: error))")
        XCTAssertNil(stream.result)
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.map(\.success), [false], "the refusal is audited")
    }

    func testNoJoinYieldsTrustedClusterThoughATokenMayCarryIt() async throws {
        try await cluster.addToken("trusted-cluster-token-012345678", roles: [.trustedCluster])
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: "trusted-cluster-token-012345678", role: .trustedCluster))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertNil(stream.result)
    }

    func testAnInstanceJoinCarriesOnlyJoinableRoles() async throws {
        try await cluster.addToken("instance-token-0123456789abcdef", roles: [.node, .proxy, .trustedCluster])
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: "instance-token-0123456789abcdef", role: .instance))
        XCTAssertNil(error)
        let der = try XCTUnwrap(stream.result?.certificates.tlsCert)
        let identity = try cluster.server.authorities.authenticate(try Certificate(derEncoded: Array(der)), now: Date())
        XCTAssertEqual(identity.role, .instance)
        XCTAssertEqual(Set(identity.systemRoles), [.node, .proxy])
    }

    func testAnInstanceJoinWithAStoredTokenCarryingAuthIsRefused() async throws {
        let name = "legacy-instance-auth-token-0123"
        try await storeUnchecked(ProvisionToken(name: name, roles: [.auth, .node], expires: Date().addingTimeInterval(600)))
        let (stream, error) = await join(InMemoryJoinStream.clientInit(token: name, role: .instance))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.contains("this token carries role Auth") ?? false, "\(String(describing: error))")
        XCTAssertNil(stream.result, "an Instance certificate with system role Auth must never be issued")
    }
}
