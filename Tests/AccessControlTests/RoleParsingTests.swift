import AccessControl
import Foundation
import JoinCore
import XCTest

/// Roles as Teleport's documentation writes them (Access Controls reference, role v7).
final class RoleParsingTests: XCTestCase {
    private func role(_ yaml: String) throws -> Role { try Role(document: Data(yaml.utf8)) }

    /// The reference example: templates and literals in logins, single values, lists, regular
    /// expressions and the wildcard in node_labels, unknown options and rules ignored.
    func testTeleportReferenceRoleIsRead() throws {
        let parsed = try role("""
            kind: role
            version: v7
            metadata:
              name: example
              description: This is an example role.
              labels:
                team: platform
            spec:
              options:
                max_session_ttl: 8h0m0s
                forward_agent: true
                port_forwarding: false
                client_idle_timeout: 15m
                cert_format: standard
              allow:
                logins: ['{{internal.logins}}', ubuntu, debian]
                node_labels:
                  'env': 'test'
                  'tier': ['frontend', 'backend']
                  'region': '^us-west-1|eu-central-1$'
                rules:
                  - resources: [role]
                    verbs: [list, create, read, update, delete]
              deny:
                logins: ['root']
                node_labels:
                  'environment': 'prod'
            """)
        XCTAssertEqual(parsed.name, "example")
        XCTAssertEqual(parsed.description, "This is an example role.")
        XCTAssertEqual(parsed.labels, ["team": "platform"])
        XCTAssertEqual(parsed.version, "v7")
        XCTAssertEqual(parsed.maxSessionTTL, 8 * 3600)
        XCTAssertEqual(parsed.allow.logins, ["{{internal.logins}}", "ubuntu", "debian"])
        XCTAssertEqual(parsed.allow.nodeLabels, ["env": ["test"], "tier": ["frontend", "backend"], "region": ["^us-west-1|eu-central-1$"]])
        XCTAssertEqual(parsed.deny, RoleConditions(logins: ["root"], nodeLabels: ["environment": ["prod"]]))
    }

    func testWildcardNodeLabelsAreRead() throws {
        let parsed = try role("""
            kind: role
            version: v7
            metadata: {name: everywhere}
            spec:
              allow:
                logins: ['{{ internal.logins }}']
                node_labels: {'*': '*'}
            """)
        XCTAssertEqual(parsed.allow.nodeLabels, ["*": ["*"]])
        XCTAssertEqual(parsed.allow.logins, ["{{ internal.logins }}"])
    }

    func testMaxSessionTTLSpellings() throws {
        for (text, seconds) in [("30h", 108_000.0), ("1h30m", 5400), ("90m", 5400), ("3600s", 3600)] {
            let parsed = try role("kind: role\nversion: v7\nmetadata: {name: r}\nspec: {options: {max_session_ttl: \(text)}}")
            XCTAssertEqual(parsed.maxSessionTTL, seconds, text)
        }
    }

    func testMissingOrZeroMaxSessionTTLMeansDefault() throws {
        XCTAssertNil(try role("kind: role\nversion: v7\nmetadata: {name: r}\nspec: {}").maxSessionTTL)
        XCTAssertNil(try role("kind: role\nversion: v7\nmetadata: {name: r}\nspec: {options: {max_session_ttl: 0s}}").maxSessionTTL)
    }

    func testVersionsFiveAndSixAreReadTheSameWay() throws {
        for version in ["v5", "v6"] {
            let parsed = try role("kind: role\nversion: \(version)\nmetadata: {name: old}\nspec: {allow: {logins: [ops]}}")
            XCTAssertEqual(parsed.version, version)
            XCTAssertEqual(parsed.allow.logins, ["ops"])
        }
    }

    func testRoleWithoutSpecGrantsNothing() throws {
        let parsed = try role("kind: role\nversion: v7\nmetadata:\n  name: empty\n")
        XCTAssertEqual(parsed.allow, RoleConditions())
        XCTAssertEqual(parsed.deny, RoleConditions())
    }

    /// YAML scalars keep their text: a login `0123` and a label value `yes` are strings.
    func testYAMLScalarsKeepTheirText() throws {
        let parsed = try role("kind: role\nversion: v7\nmetadata: {name: r}\nspec: {allow: {logins: [0123], node_labels: {ha: yes}}}")
        XCTAssertEqual(parsed.allow.logins, ["0123"])
        XCTAssertEqual(parsed.allow.nodeLabels, ["ha": ["yes"]])
    }

    func testJSONDocumentIsRead() throws {
        let json = """
            {"kind": "role", "version": "v7", "metadata": {"name": "dba"},
             "spec": {"options": {"max_session_ttl": "2h"},
                      "allow": {"logins": ["postgres"], "node_labels": {"db": ["pg", "^mysql-.*$"]}}}}
            """
        let parsed = try role(json)
        XCTAssertEqual(parsed.allow, RoleConditions(logins: ["postgres"], nodeLabels: ["db": ["pg", "^mysql-.*$"]]))
        XCTAssertEqual(parsed.maxSessionTTL, 7200)
    }

    /// Go encodes a `time.Duration` as nanoseconds; Teleport reads such a number.
    func testJSONNumberMaxSessionTTLIsNanoseconds() throws {
        let parsed = try role(#"{"kind":"role","version":"v7","metadata":{"name":"r"},"spec":{"options":{"max_session_ttl":3600000000000}}}"#)
        XCTAssertEqual(parsed.maxSessionTTL, 3600)
    }

    func testYAMLFlowMappingIsRead() throws {
        let parsed = try role("{kind: role, version: v7, metadata: {name: flow}, spec: {allow: {logins: [ops]}}}")
        XCTAssertEqual(parsed.allow.logins, ["ops"])
    }

    func testNullSectionsAreEmpty() throws {
        let parsed = try role("kind: role\nversion: v7\nmetadata: {name: r}\nspec:\n  allow:\n    logins: ~\n  deny:\n")
        XCTAssertEqual(parsed.allow, RoleConditions())
    }
}
