import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import X509
import XCTest

/// The Instance rule (RoleAuthorization): a process lists the roles it will run, the token must
/// allow every one, and the Instance certificate carries exactly those roles.
final class InstanceServiceRolesTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUp() async throws {
        cluster = try await TestCluster(rateLimits: .init(averagePerSecond: 1000, burst: 1000))
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func join(token: String, role: SystemRole = .instance, services: [SystemRole]) async throws -> CertificateRoleClaim {
        let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token, role: role, systemRoles: services)])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:5000")
        let result = try XCTUnwrap(stream.result)
        return try XCTUnwrap(CertificateRoleClaim(certificate: try Certificate(derEncoded: Array(result.certificates.tlsCert))))
    }

    private func assertRefused(token: String, role: SystemRole = .instance, services: [SystemRole], kind: JoinError.Kind,
                               containing text: String, file: StaticString = #filePath, line: UInt = #line) async {
        await assertJoinError(kind, containing: text, file: file, line: line) {
            try await join(token: token, role: role, services: services)
        }
    }

    func testAProxyOnlyTokenDoesNotAdmitAnInstanceRunningNodeAndApp() async throws {
        try await cluster.addToken("proxy-only-token-0123456789abcdef", roles: [.proxy])
        await assertRefused(token: "proxy-only-token-0123456789abcdef", services: [.node, .app],
                            kind: .badParameter, containing: "can not join the cluster, the token does not allow role Node")
    }

    func testANodeAndAppTokenAdmitsAnInstanceRunningBothAndItsCertificateCarriesThem() async throws {
        try await cluster.addToken("node-app-token-0123456789abcdef", roles: [.node, .app])
        let claim = try await join(token: "node-app-token-0123456789abcdef", services: [.node, .app])
        XCTAssertEqual(claim.role, .instance)
        XCTAssertEqual(Set(claim.systemRoles), [.node, .app])
    }

    func testANodeTokenDoesNotAdmitAnInstanceRunningNodeAndProxy() async throws {
        try await cluster.addToken("node-only-token-0123456789abcdef", roles: [.node])
        await assertRefused(token: "node-only-token-0123456789abcdef", services: [.node, .proxy],
                            kind: .badParameter, containing: "the token does not allow role Proxy")
    }

    func testTheCertificateCarriesOnlyTheRolesTheProcessRunsNotEveryRoleOfTheToken() async throws {
        try await cluster.addToken("wide-token-0123456789abcdef0123", roles: [.node, .proxy, .app])
        let claim = try await join(token: "wide-token-0123456789abcdef0123", services: [.node, .app])
        XCTAssertEqual(Set(claim.systemRoles), [.node, .app])
        XCTAssertFalse(claim.holds(.proxy), "the process did not ask to run a proxy")
    }

    func testAClientThatListsNoRolesKeepsTeleportsInstanceRule() async throws {
        try await cluster.addToken("legacy-token-0123456789abcdef01", roles: [.proxy, .node])
        let claim = try await join(token: "legacy-token-0123456789abcdef01", services: [])
        XCTAssertEqual(Set(claim.systemRoles), [.proxy, .node], "the token's local-service roles, as Teleport embeds them")
    }

    func testOnlyServiceRolesMayBeListed() async throws {
        try await cluster.addToken("node-bot-token-0123456789abcdef", roles: [.node])
        await assertRefused(token: "node-bot-token-0123456789abcdef", services: [.node, .bot],
                            kind: .badParameter, containing: "system_roles lists Bot, which is not a service a process runs")
    }

    func testListingTheAuthRoleIsRefusedBeforeAnyTokenIsRead() async throws {
        await assertRefused(token: "no-such-token-0123456789abcdef", services: [.node, .auth],
                            kind: .accessDenied, containing: "no join can be issued a certificate for role Auth")
    }

    func testASingleRoleJoinMayListOnlyItsOwnRole() async throws {
        try await cluster.addToken("node-app-token-2-0123456789abcd", roles: [.node, .app])
        let claim = try await join(token: "node-app-token-2-0123456789abcd", role: .node, services: [.node])
        XCTAssertEqual(claim.role, .node)
        await assertRefused(token: "node-app-token-2-0123456789abcd", role: .node, services: [.node, .app],
                            kind: .badParameter, containing: "a join as Node may list only Node in system_roles")
    }
}
