import AccessControl
import Foundation
import XCTest

/// Teleport's access rules: one role must grant both login and node, deny wins, templates
/// expand from traits.
final class AccessCheckerTests: XCTestCase {
    private func role(_ name: String, logins: [String] = [], nodes: [String: [String]] = [:],
                      denyLogins: [String] = [], denyNodes: [String: [String]] = [:], ttl: TimeInterval? = nil) -> Role {
        Role(name: name, maxSessionTTL: ttl, allow: RoleConditions(logins: logins, nodeLabels: nodes),
             deny: RoleConditions(logins: denyLogins, nodeLabels: denyNodes))
    }

    private let prod = ["env": "prod"]
    private let staging = ["env": "staging"]

    func testSameRoleMustGrantLoginAndNode() {
        let checker = AccessChecker(roles: [
            role("root-on-staging", logins: ["root"], nodes: ["env": ["staging"]]),
            role("alice-everywhere", logins: ["alice"], nodes: ["*": ["*"]]),
        ], traits: [:])
        XCTAssertEqual(checker.checkLogin("root", nodeLabels: staging), .allowed)
        XCTAssertEqual(checker.checkLogin("alice", nodeLabels: prod), .allowed)
        XCTAssertEqual(checker.checkLogin("root", nodeLabels: prod), .denied(
            #"access to login "root" on node with labels env=prod is not granted by any single role: "# +
            "the login is granted by roles root-on-staging, the node by roles alice-everywhere"))
    }

    func testUngrantedLoginNamesTheRoles() {
        let checker = AccessChecker(roles: [PresetRoles.access, PresetRoles.editor], traits: ["logins": ["alice"]])
        XCTAssertEqual(checker.checkLogin("postgres", nodeLabels: prod),
                       .denied(#"access to login "postgres" is not granted by roles access, editor"#))
    }

    func testUngrantedNodeNamesTheLabels() {
        let checker = AccessChecker(roles: [role("access", logins: ["alice"], nodes: ["env": ["staging"]])], traits: [:])
        XCTAssertEqual(checker.checkLogin("alice", nodeLabels: prod),
                       .denied("access to node with labels env=prod is not granted by roles access"))
    }

    func testDenyLabelsWinOverAllow() {
        let checker = AccessChecker(roles: [PresetRoles.access, role("no-prod", denyNodes: ["env": ["prod"]])],
                                    traits: ["logins": ["alice"]])
        XCTAssertEqual(checker.checkLogin("alice", nodeLabels: staging), .allowed)
        XCTAssertEqual(checker.checkLogin("alice", nodeLabels: ["env": "prod", "team": "db"]),
                       .denied(#"access denied by role "no-prod": deny rule matches node labels env=prod, team=db"#))
        XCTAssertTrue(checker.canSee(nodeLabels: staging))
        XCTAssertFalse(checker.canSee(nodeLabels: prod))
    }

    func testDenyLoginWinsOnEveryNode() {
        let checker = AccessChecker(roles: [role("ops", logins: ["root", "ops"], nodes: ["*": ["*"]]), role("no-root", denyLogins: ["root"])],
                                    traits: [:])
        XCTAssertEqual(checker.checkLogin("root", nodeLabels: staging),
                       .denied(#"access denied by role "no-root": deny rule matches login "root""#))
        XCTAssertEqual(checker.checkLogin("ops", nodeLabels: staging), .allowed)
        XCTAssertEqual(checker.allowedLogins, ["ops"])
        XCTAssertTrue(checker.canSee(nodeLabels: staging), "a denied login does not hide the node")
    }

    func testDenyWildcardHidesEveryNode() {
        let checker = AccessChecker(roles: [PresetRoles.access, role("lockout", denyNodes: ["*": ["*"]])], traits: ["logins": ["a"]])
        XCTAssertFalse(checker.canSee(nodeLabels: [:]))
        XCTAssertEqual(checker.checkLogin("a", nodeLabels: [:]), .denied(#"access denied by role "lockout": deny rule matches every node"#))
    }

    func testWildcardMatchesNodesWithoutLabels() {
        let checker = AccessChecker(roles: [role("all", logins: ["a"], nodes: ["*": ["*"]])], traits: [:])
        XCTAssertEqual(checker.checkLogin("a", nodeLabels: [:]), .allowed)
    }

    func testEmptySelectorMatchesNoNode() {
        let checker = AccessChecker(roles: [role("logins-only", logins: ["a"])], traits: [:])
        XCTAssertFalse(checker.canSee(nodeLabels: [:]))
        XCTAssertFalse(checker.canSee(nodeLabels: prod))
        XCTAssertEqual(checker.checkLogin("a", nodeLabels: [:]),
                       .denied("access to node with no labels is not granted by roles logins-only"))
    }

    func testEveryKeyMustMatchAndValueWildcardNeedsTheKey() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["env": ["staging"], "team": ["*"]])], traits: [:])
        XCTAssertTrue(checker.canSee(nodeLabels: ["env": "staging", "team": "anything"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["env": "staging"]), "team must exist")
        XCTAssertFalse(checker.canSee(nodeLabels: ["env": "prod", "team": "x"]))
    }

    func testListValuesMatchAny() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["tier": ["frontend", "backend"]])], traits: [:])
        XCTAssertTrue(checker.canSee(nodeLabels: ["tier": "backend"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["tier": "cache"]))
    }

    func testGlobsMatchWholeValueWithOnlyStarSpecial() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["host": ["web-*.example.com"]])], traits: [:])
        XCTAssertTrue(checker.canSee(nodeLabels: ["host": "web-1.example.com"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["host": "web-1.example.com.evil"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["host": "web-1Xexample.com"]), "a dot is not a wildcard")
        let question = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["v": ["a?c"]])], traits: [:])
        XCTAssertFalse(question.canSee(nodeLabels: ["v": "abc"]), "? is literal")
        XCTAssertTrue(question.canSee(nodeLabels: ["v": "a?c"]))
    }

    func testRegularExpressionsWrappedInAnchors() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["region": ["^us-(west|east)-[0-9]$"]])], traits: [:])
        XCTAssertTrue(checker.canSee(nodeLabels: ["region": "us-west-1"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["region": "us-west-12"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["region": "eu-west-1"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["region": "us-west-1\n"]), "$ is the end of the text")
    }

    func testInternalLoginsExpandFromTraits() {
        let checker = AccessChecker(roles: [PresetRoles.access], traits: ["logins": ["alice", "ubuntu", ""]])
        XCTAssertEqual(checker.allowedLogins, ["alice", "ubuntu"])
        XCTAssertEqual(checker.checkLogin("ubuntu", nodeLabels: prod), .allowed)
        XCTAssertNotEqual(checker.checkLogin("{{internal.logins}}", nodeLabels: prod), .allowed)
    }

    func testSpacedTemplatePrefixSuffixAndExternalTraits() {
        let checker = AccessChecker(roles: [role("r", logins: ["{{ internal.logins }}", "{{external.team}}-admin", "{{internal.nothing}}"],
                                                 nodes: ["team": ["{{external.team}}"]])],
                                    traits: ["logins": ["alice"], "team": ["db"]])
        XCTAssertEqual(checker.allowedLogins, ["alice", "db-admin"])
        XCTAssertTrue(checker.canSee(nodeLabels: ["team": "db"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["team": "web"]))
    }

    func testEmptyTraitsGiveNoTemplateLogins() {
        let checker = AccessChecker(roles: [role("r", logins: ["{{internal.logins}}", "ops"], nodes: ["*": ["*"]])], traits: [:])
        XCTAssertEqual(checker.allowedLogins, ["ops"])
        let none = AccessChecker(roles: [PresetRoles.access], traits: [:])
        XCTAssertEqual(none.allowedLogins, [])
        XCTAssertEqual(none.checkLogin("", nodeLabels: [:]), .denied("access denied: the login must not be empty"))
    }

    func testTemplateLabelValueWithoutTraitMatchesNothing() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["team": ["{{external.team}}"]])], traits: [:])
        XCTAssertFalse(checker.canSee(nodeLabels: ["team": "{{external.team}}"]))
        XCTAssertFalse(checker.canSee(nodeLabels: ["team": ""]))
    }

    func testInvalidExpansionsAreDropped() {
        let checker = AccessChecker(roles: [role("r", logins: ["{{internal.logins}}", "{{bad", "{{email.local(external.email)}}"],
                                                 nodes: ["*": ["*"]])],
                                    traits: ["logins": ["ok", "has space", "tab\there", String(repeating: "x", count: 300)]])
        XCTAssertEqual(checker.allowedLogins, ["ok"])
    }

    func testDeniedTemplateLoginsAreRemoved() {
        let checker = AccessChecker(roles: [role("r", logins: ["alice", "root"], nodes: ["*": ["*"]]),
                                            role("d", denyLogins: ["{{internal.blocked}}"])],
                                    traits: ["blocked": ["root"]])
        XCTAssertEqual(checker.allowedLogins, ["alice"])
        XCTAssertEqual(checker.checkLogin("root", nodeLabels: [:]), .denied(#"access denied by role "d": deny rule matches login "root""#))
    }

    func testAllowedLoginsAreSortedAndDeduplicated() {
        let checker = AccessChecker(roles: [role("a", logins: ["zed", "amy"]), role("b", logins: ["amy", "bob"])], traits: [:])
        XCTAssertEqual(checker.allowedLogins, ["amy", "bob", "zed"])
    }

    func testNoRolesGrantNothing() {
        let checker = AccessChecker(roles: [], traits: ["logins": ["alice"]])
        XCTAssertEqual(checker.allowedLogins, [])
        XCTAssertFalse(checker.canSee(nodeLabels: [:]))
        XCTAssertEqual(checker.checkLogin("alice", nodeLabels: [:]),
                       .denied(#"access to login "alice" is not granted: the user holds no roles"#))
        XCTAssertEqual(checker.maxSessionTTL, 30 * 3600)
    }

    func testMaxSessionTTLIsTheShortest() {
        XCTAssertEqual(AccessChecker(roles: [role("a", ttl: 8 * 3600), role("b"), role("c", ttl: 3600)], traits: [:]).maxSessionTTL, 3600)
        XCTAssertEqual(AccessChecker(roles: [role("a"), role("b")], traits: [:]).maxSessionTTL, 30 * 3600)
    }

    /// The parsed reference role behaves as its text says.
    func testParsedRoleEndToEnd() throws {
        let dba = try Role(document: Data("""
            kind: role
            version: v7
            metadata: {name: dba}
            spec:
              allow:
                logins: [postgres, '{{internal.logins}}']
                node_labels: {db: '*', env: [staging, '^qa-[0-9]+$']}
              deny:
                node_labels: {env: prod}
            """.utf8))
        let checker = AccessChecker(roles: [dba], traits: ["logins": ["carol"]])
        XCTAssertEqual(checker.checkLogin("postgres", nodeLabels: ["db": "pg", "env": "qa-17"]), .allowed)
        XCTAssertEqual(checker.checkLogin("carol", nodeLabels: ["db": "pg", "env": "staging"]), .allowed)
        XCTAssertNotEqual(checker.checkLogin("postgres", nodeLabels: ["db": "pg", "env": "prod"]), .allowed)
        XCTAssertNotEqual(checker.checkLogin("postgres", nodeLabels: ["env": "staging"]), .allowed)
    }

    func testNodeLabelsInMessagesAreCleaned() {
        let checker = AccessChecker(roles: [role("r", logins: ["a"], nodes: ["env": ["x"]])], traits: [:])
        XCTAssertEqual(checker.checkLogin("a", nodeLabels: ["env": "pr\nod"]),
                       .denied("access to node with labels env=pr?od is not granted by roles r"))
    }
}
