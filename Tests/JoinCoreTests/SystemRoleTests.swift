import JoinCore
import XCTest

/// System roles and their spellings (spec §1.4).
final class SystemRoleTests: XCTestCase {
    func testEveryLowercaseAliasOfTheSpecIsAccepted() throws {
        let aliases: [String: SystemRole] = [
            "auth": .auth, "node": .node, "proxy": .proxy, "admin": .admin, "provisiontoken": .provisionToken,
            "trusted_cluster": .trustedCluster, "trustedcluster": .trustedCluster, "signup": .signup, "nop": .nop,
            "remoteproxy": .remoteProxy, "remote_proxy": .remoteProxy, "kube": .kube, "app": .app, "db": .db,
            "windowsdesktop": .windowsDesktop, "windows_desktop": .windowsDesktop, "bot": .bot,
            "instance": .instance, "discovery": .discovery, "okta": .okta, "mdm": .mdm,
            "accessgraphplugin": .accessGraphPlugin,
        ]
        for (alias, role) in aliases {
            XCTAssertEqual(try SystemRole(parsing: alias), role, alias)
        }
    }

    func testCanonicalSpellingsAreAccepted() throws {
        for role in SystemRole.allCases {
            XCTAssertEqual(try SystemRole(parsing: role.rawValue), role)
        }
    }

    func testParsingIgnoresCaseAndSurroundingSpaces() throws {
        XCTAssertEqual(try SystemRole(parsing: "  NoDe "), .node)
        XCTAssertEqual(try SystemRole(parsing: "WINDOWS_DESKTOP"), .windowsDesktop)
    }

    func testUnknownRoleIsNotRegistered() {
        XCTAssertThrowsError(try SystemRole(parsing: "wizard")) { error in
            XCTAssertEqual(error as? JoinError, .badParameter("role wizard is not registered"))
        }
    }

    func testParseListSplitsOnCommas() throws {
        XCTAssertEqual(try SystemRole.parseList("node,app,DB"), [.node, .app, .db])
    }

    func testParseListTrimsEachRole() throws {
        XCTAssertEqual(try SystemRole.parseList("proxy, node"), [.proxy, .node])
    }

    func testParseListRejectsDuplicatesAcrossSpellings() {
        XCTAssertThrowsError(try SystemRole.parseList("trusted_cluster,TrustedCluster")) { error in
            XCTAssertEqual((error as? JoinError)?.message, "duplicate role \"trusted_cluster\"")
        }
    }

    func testParseListRejectsAnEmptyItem() {
        XCTAssertThrowsError(try SystemRole.parseList("node,,app"))
    }

    func testParseListRejectsAnUnknownItem() {
        XCTAssertThrowsError(try SystemRole.parseList(["node", "dragon"])) { error in
            XCTAssertEqual((error as? JoinError)?.message, "role dragon is not registered")
        }
    }

    func testLocalServiceRolesAreThoseOfTheSpec() {
        let expected: Set<SystemRole> = [.auth, .node, .proxy, .kube, .app, .db, .windowsDesktop, .discovery,
                                         .okta, .mdm, .accessGraphPlugin]
        XCTAssertEqual(Set(SystemRole.allCases.filter(\.isLocalService)), expected)
    }

    func testTrustedClusterPrintsInLowercase() {
        XCTAssertEqual(SystemRole.trustedCluster.description, "trusted_cluster")
        XCTAssertEqual(SystemRole.trustedCluster.rawValue, "Trusted_cluster")
    }

    func testOtherRolesPrintAsStored() {
        XCTAssertEqual(SystemRole.windowsDesktop.description, "WindowsDesktop")
        XCTAssertEqual(SystemRole.mdm.description, "MDM")
    }

    func testJoinedNamesUsesCommas() {
        XCTAssertEqual([SystemRole.node, .trustedCluster, .proxy].joinedNames, "Node,trusted_cluster,Proxy")
    }
}
