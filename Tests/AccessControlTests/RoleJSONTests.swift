import AccessControl
import Foundation
import XCTest

/// `jsonData()` writes Teleport's shape, and every role written reads back equal.
final class RoleJSONTests: XCTestCase {
    private let full = Role(
        name: "dba", description: "Database admins", labels: ["team": "data"], maxSessionTTL: 5400,
        allow: RoleConditions(logins: ["{{internal.logins}}", "postgres"], nodeLabels: ["db": ["pg"], "env": ["staging", "^dev-.*$"]]),
        deny: RoleConditions(logins: ["root"], nodeLabels: ["env": ["prod"]]))

    func testRoundTripThroughDocument() throws {
        XCTAssertEqual(try Role(document: try full.jsonData()), full)
    }

    func testRoundTripOfMinimalAndPresetRoles() throws {
        for role in [Role(name: "bare")] + PresetRoles.all {
            XCTAssertEqual(try Role(document: try role.jsonData()), role, role.name)
        }
    }

    func testOlderVersionIsKeptOnRoundTrip() throws {
        var role = full
        role.version = "v5"
        XCTAssertEqual(try Role(document: try role.jsonData()).version, "v5")
    }

    func testJSONHasTeleportShapeWithSortedKeys() throws {
        let text = String(decoding: try full.jsonData(), as: UTF8.self)
        XCTAssertEqual(text, #"{"kind":"role","metadata":{"description":"Database admins","labels":{"team":"data"},"name":"dba"},"# +
            #""spec":{"allow":{"logins":["{{internal.logins}}","postgres"],"node_labels":{"db":"pg","env":["staging","^dev-.*$"]}},"# +
            #""deny":{"logins":["root"],"node_labels":{"env":"prod"}},"options":{"max_session_ttl":"1h30m0s"}},"version":"v7"}"#)
    }

    func testCodableUsesTheDocumentShape() throws {
        let encoded = try JSONEncoder().encode([full])
        XCTAssertEqual(try JSONDecoder().decode([Role].self, from: encoded), [full])
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(full)) as? [String: Any]
        XCTAssertEqual(object?["kind"] as? String, "role")
    }

    func testCodableRevalidates() {
        let bad = Data(#"{"kind":"role","version":"v7","metadata":{"name":"no spaces allowed"}}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(Role.self, from: bad))
    }

    func testConditionsCodableRoundTrip() throws {
        let conditions = full.allow
        XCTAssertEqual(try JSONDecoder().decode(RoleConditions.self, from: try JSONEncoder().encode(conditions)), conditions)
    }
}
