import Foundation
import JoinCore
import XCTest

/// The one definition of roles no token grants (``SystemRole/tokenRefusalReason``) and the
/// common token rules that apply it.
final class UnjoinableRoleTests: XCTestCase {
    func testExactlyTheAuthServersOwnRolesAndNonIdentitiesAreNeverGrantedByAToken() {
        let refused = Set(SystemRole.allCases.filter { $0.tokenRefusalReason != nil })
        XCTAssertEqual(refused, [.admin, .auth, .nop, .signup, .provisionToken, .remoteProxy])
    }

    func testTrustedClusterMayBeOnATokenButNoJoinYieldsIt() {
        XCTAssertNil(SystemRole.trustedCluster.tokenRefusalReason, "Teleport's guides use tctl tokens add --type=trusted_cluster")
        XCTAssertNotNil(SystemRole.trustedCluster.joinRefusalReason)
        let unjoinable = Set(SystemRole.allCases.filter { $0.joinRefusalReason != nil })
        XCTAssertEqual(unjoinable, [.admin, .auth, .nop, .signup, .provisionToken, .remoteProxy, .trustedCluster])
    }

    func testServiceRolesRemainGrantable() {
        for role: SystemRole in [.node, .proxy, .kube, .app, .db, .windowsDesktop, .discovery, .bot, .instance] {
            XCTAssertNil(role.tokenRefusalReason, "\(role)")
            XCTAssertNil(role.joinRefusalReason, "\(role)")
        }
    }

    func testATokenWithRoleAdminIsRefusedNamingTheRoleAndWhy() {
        let token = ProvisionToken(name: "an-admin-token-0123456789", roles: [.node, .admin])
        XCTAssertThrowsError(try token.checkedCommonFields()) { error in
            let error = error as? JoinError
            XCTAssertEqual(error?.kind, .badParameter)
            XCTAssertEqual(error?.message,
                           "role Admin cannot be granted by a join token: it is tctl's identity, with full control of the cluster, and only the Auth server issues it, to itself")
        }
    }

    func testEveryRefusedRoleIsRefusedByTheCommonTokenRules() {
        for role in SystemRole.allCases where role.tokenRefusalReason != nil {
            let token = ProvisionToken(name: "a-token-name-0123456789", roles: [role])
            XCTAssertThrowsError(try token.checkedCommonFields(), "\(role)") { error in
                XCTAssertTrue((error as? JoinError)?.message.hasPrefix("role \(role) cannot be granted by a join token: ") ?? false,
                              "\(error)")
            }
        }
    }

    func testATrustedClusterTokenPassesTheCommonRules() throws {
        let token = ProvisionToken(name: "a-trusted-cluster-token-0123", roles: [.trustedCluster])
        XCTAssertEqual(try token.checkedCommonFields().spec.roles, [.trustedCluster])
    }
}
