import AccessControl
import Foundation
import JoinCore
import XCTest

/// What a person sees when a role document is wrong: the role, the field, what was expected.
final class RoleDocumentErrorTests: XCTestCase {
    private func message(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        message(Data(text.utf8), file: file, line: line)
    }

    private func message(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let role = try Role(document: data)
            XCTFail("parsed \(role.name)", file: file, line: line)
            return ""
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return ""
        }
    }

    private func document(spec: String, name: String = "x") -> String {
        "kind: role\nversion: v7\nmetadata: {name: \(name)}\nspec:\n\(spec)\n"
    }

    func testMalformedYAMLNamesTheLine() {
        let text = message("kind: role\nversion: v7\nmetadata: {name: x\nspec: {}\n")
        XCTAssertTrue(text.hasPrefix("role: malformed YAML: "), text)
        XCTAssertTrue(text.contains("line"), text)
    }

    func testMalformedJSONIsRefused() {
        XCTAssertTrue(message(#"{"kind": "role", "version": "v7", "metadata": {"name": "x"}"#).hasPrefix("role: malformed JSON: "))
    }

    func testDuplicateKeysAreRefused() {
        XCTAssertTrue(message("kind: role\nkind: role\nversion: v7\nmetadata: {name: x}\n").contains("duplicate key \"kind\""))
    }

    func testWrongKindIsRefused() {
        XCTAssertEqual(message("kind: user\nversion: v2\nmetadata: {name: alice}\n"),
                       #"role "alice": kind "user" is not a role (expected kind: role)"#)
    }

    func testMissingKindIsRefused() {
        XCTAssertEqual(message("version: v7\nmetadata: {name: x}\n"), #"role "x": kind is required (kind: role)"#)
    }

    func testUnsupportedVersionIsRefused() {
        XCTAssertEqual(message("kind: role\nversion: v3\nmetadata: {name: x}\n"),
                       #"role "x": version "v3" is not supported (use v7; v5 and v6 are read as v7)"#)
    }

    func testLoginsMustBeAListOfStrings() {
        XCTAssertEqual(message(document(spec: "  allow: {logins: root}")), #"role "x": spec.allow.logins must be a list of strings"#)
        XCTAssertEqual(message(document(spec: "  deny: {logins: [[root]]}")), #"role "x": spec.deny.logins must be a list of strings"#)
        XCTAssertEqual(message(#"{"kind":"role","version":"v7","metadata":{"name":"x"},"spec":{"allow":{"logins":[1000]}}}"#),
                       #"role "x": spec.allow.logins must be a list of strings"#)
    }

    func testNodeLabelValuesMustBeStringsOrLists() {
        XCTAssertEqual(message(document(spec: "  allow: {node_labels: {env: {a: b}}}")),
                       #"role "x": spec.allow.node_labels["env"] must be a string or a list of strings, found a map"#)
        XCTAssertEqual(message(document(spec: "  allow: {node_labels: [env]}")),
                       #"role "x": spec.allow.node_labels must be a map, found a list"#)
    }

    func testInvalidRegularExpressionIsRefused() {
        XCTAssertTrue(message(document(spec: "  allow: {node_labels: {env: '^(prod$'}}"))
            .hasPrefix(#"role "x": spec.allow.node_labels["env"]: "^(prod$" is not a valid regular expression"#))
    }

    func testMalformedTemplateIsRefused() {
        XCTAssertEqual(message(document(spec: "  allow: {logins: ['{{internal.logins']}")),
                       #"role "x": spec.allow.logins[0]: "{{internal.logins" is not a valid template (write {{internal.logins}} or {{external.NAME}})"#)
        XCTAssertTrue(message(document(spec: "  allow: {logins: ['{{email.local(external.email)}}']}")).contains("is not a valid template"))
    }

    func testBadMaxSessionTTLNamesTheField() {
        XCTAssertTrue(message(document(spec: "  options: {max_session_ttl: forever}"))
            .hasPrefix(#"role "x": spec.options.max_session_ttl: invalid duration "forever""#))
        XCTAssertEqual(message(document(spec: "  options: {max_session_ttl: [1h]}")),
                       #"role "x": spec.options.max_session_ttl must be a duration such as 30h, found a list"#)
        XCTAssertEqual(message(#"{"kind":"role","version":"v7","metadata":{"name":"x"},"spec":{"options":{"max_session_ttl":-1}}}"#),
                       #"role "x": spec.options.max_session_ttl must not be negative"#)
    }

    func testMetadataLabelsMustBeStrings() {
        XCTAssertEqual(message("kind: role\nversion: v7\nmetadata: {name: x, labels: {team: [a]}}\n"),
                       #"role "x": metadata.labels.team must be a string, found a list"#)
    }

    func testBadNamesAreRefused() {
        XCTAssertEqual(message("kind: role\nversion: v7\nmetadata: {description: d}\n"), "role: metadata.name is required")
        XCTAssertEqual(message("kind: role\nversion: v7\nmetadata: {name: ''}\n"), "role: metadata.name must not be empty")
        XCTAssertEqual(message("kind: role\nversion: v7\nmetadata: {name: 'bad name!'}\n"),
                       #"role: metadata.name "bad name!" may contain only letters, digits and . _ @ -"#)
        XCTAssertTrue(message("kind: role\nversion: v7\nmetadata: {name: \(String(repeating: "a", count: 65))}\n")
            .hasSuffix("is longer than 64 characters"))
        XCTAssertEqual(message("kind: role\nversion: v7\n"), "role: metadata is required")
    }

    func testSixtyFourCharacterNameWithAllAllowedPunctuationIsAccepted() throws {
        let name = "Ops.team_1@example-" + String(repeating: "z", count: 45)
        XCTAssertEqual(name.count, 64)
        XCTAssertEqual(try Role(document: Data("kind: role\nversion: v7\nmetadata: {name: '\(name)'}\n".utf8)).name, name)
    }

    func testDocumentsOver64KiBAreRefused() throws {
        let base = "kind: role\nversion: v7\nmetadata: {name: big}\n"
        let atLimit = base + "#" + String(repeating: "x", count: 65_536 - base.utf8.count - 2) + "\n"
        XCTAssertEqual(atLimit.utf8.count, 65_536)
        XCTAssertEqual(try Role(document: Data(atLimit.utf8)).name, "big")
        let over = atLimit + "\n"
        XCTAssertEqual(message(Data(over.utf8)),
                       "role: the document is 65537 bytes; a role document may be at most 65536 bytes")
    }

    /// A few lines of YAML aliases can stand for millions of values; the reader stops early.
    func testAliasExpansionIsBounded() {
        var yaml = "kind: role\nversion: v7\nmetadata: {name: bomb}\nspec:\n  allow:\n    node_labels:\n"
        yaml += "      a: &a [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]\n"
        for index in 0..<2000 { yaml += "      k\(index): *a\n" }
        XCTAssertEqual(message(yaml), "role: the document expands to more than 20000 values (check YAML aliases)")
    }

    func testEmptyAndNonUTF8DocumentsAreRefused() {
        XCTAssertEqual(message("  \n"), "role: the document is empty")
        XCTAssertEqual(message(Data([0x6b, 0xff, 0xfe])), "role: the document is not UTF-8 text")
    }

    func testNonMapDocumentIsRefused() {
        XCTAssertEqual(message("- kind: role\n"), "role: the document must be a map, found a list")
    }
}
