import AccessControl
import Foundation
import XCTest

final class PresetRolesTests: XCTestCase {
    func testAccessGrantsOwnLoginsOnEveryNodeFor30Hours() {
        XCTAssertEqual(PresetRoles.access.name, "access")
        XCTAssertEqual(PresetRoles.access.allow.logins, ["{{internal.logins}}"])
        XCTAssertEqual(PresetRoles.access.allow.nodeLabels, ["*": ["*"]])
        XCTAssertEqual(PresetRoles.access.maxSessionTTL, 30 * 3600)
        XCTAssertEqual(PresetRoles.access.deny, RoleConditions())
        let checker = AccessChecker(roles: [PresetRoles.access], traits: ["logins": ["root", "alice"]])
        XCTAssertEqual(checker.allowedLogins, ["alice", "root"])
        XCTAssertEqual(checker.checkLogin("root", nodeLabels: ["anything": "at-all"]), .allowed)
    }

    func testEditorAndAuditorGrantNoLogins() {
        for preset in [PresetRoles.editor, PresetRoles.auditor] {
            XCTAssertEqual(preset.allow.logins, [], preset.name)
            let checker = AccessChecker(roles: [preset], traits: ["logins": ["alice"]])
            XCTAssertEqual(checker.allowedLogins, [], preset.name)
            XCTAssertFalse(checker.canSee(nodeLabels: [:]), preset.name)
        }
    }

    func testAllListsTheThreePresetsInOrder() {
        XCTAssertEqual(PresetRoles.all.map(\.name), ["access", "editor", "auditor"])
        XCTAssertTrue(PresetRoles.all.allSatisfy { $0.version == "v7" && RoleName.isValid($0.name) })
        XCTAssertTrue(PresetRoles.isPreset("editor"))
        XCTAssertFalse(PresetRoles.isPreset("dba"))
    }
}
