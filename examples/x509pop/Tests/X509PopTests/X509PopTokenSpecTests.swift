import Foundation
import JoinCore
import X509PopJoin
import XCTest

/// `spec.x509pop`: an optional `allow` list of `common_name` rules, read strictly.
final class X509PopTokenSpecTests: XCTestCase {
    private let method = X509PopJoinMethod(bundle: X509PopCABundle(certificates: []))

    private func validate(_ section: JSONValue?) throws -> ProvisionToken {
        try method.validate(MethodHarness.token(section))
    }

    private func assertRefused(_ section: JSONValue, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try validate(section), file: file, line: line) { error in
            XCTAssertEqual(error as? JoinError, JoinError.badParameter(message), file: file, line: line)
        }
    }

    private func rules(_ names: String...) -> JSONValue {
        .object(["allow": .array(names.map { .object(["common_name": .string($0)]) })])
    }

    func testMethodOwnsTheX509PopSection() {
        XCTAssertEqual(method.tokenSpecSections, ["x509pop"])
        XCTAssertEqual(method.name, "x509pop")
    }

    func testTokenWithoutSectionIsValidAndAdmitsAnyCommonName() throws {
        let token = try validate(nil)
        XCTAssertEqual(token, MethodHarness.token())
        let spec = try X509PopTokenSpec(of: token)
        XCTAssertTrue(spec.admits(commonName: "anything"))
        XCTAssertTrue(spec.admits(commonName: nil))
    }

    func testSectionWithoutAllowIsValid() throws {
        XCTAssertNil(try X509PopTokenSpec(section: .object([:])).allow)
    }

    func testAllowRulesAreReadInOrder() throws {
        let spec = try X509PopTokenSpec(of: try validate(rules("web-1.example.com", "build-*")))
        XCTAssertEqual(spec.allow?.map(\.text), ["web-1.example.com", "build-*"])
        XCTAssertTrue(spec.admits(commonName: "web-1.example.com"))
        XCTAssertTrue(spec.admits(commonName: "build-42"))
        XCTAssertFalse(spec.admits(commonName: "web-2.example.com"))
        XCTAssertFalse(spec.admits(commonName: nil))
    }

    func testSectionThatIsNotAMapIsRefused() {
        assertRefused(.string("web-*"), "spec.x509pop: expected a map (with an optional allow list)")
        assertRefused(.null, "spec.x509pop: expected a map (with an optional allow list)")
    }

    func testUnknownKeyInSectionIsRefused() {
        assertRefused(.object(["alow": .array([])]), "unknown field \"spec.x509pop.alow\"")
    }

    func testAllowThatIsNotAListIsRefused() {
        assertRefused(.object(["allow": .string("web-*")]), "spec.x509pop.allow: expected a list of rules such as - common_name: web-*")
    }

    func testEmptyAllowListIsRefused() {
        assertRefused(.object(["allow": .array([])]),
                      "spec.x509pop.allow: the list is empty; list at least one rule, or remove allow to admit any certificate the CA issued")
    }

    func testRuleThatIsNotAMapIsRefused() {
        assertRefused(.object(["allow": .array([.string("web-*")])]), "spec.x509pop.allow[0]: expected a map such as common_name: web-*")
    }

    func testUnknownKeyInRuleIsRefused() {
        assertRefused(.object(["allow": .array([.object(["common_name": .string("a"), "dns_name": .string("b")])])]),
                      "unknown field \"spec.x509pop.allow[0].dns_name\"")
    }

    func testRuleWithoutCommonNameIsRefused() {
        assertRefused(.object(["allow": .array([.object([:])])]), "spec.x509pop.allow[0].common_name: required")
    }

    func testEmptyCommonNameIsRefused() {
        assertRefused(rules("web-1", ""), "spec.x509pop.allow[1].common_name: must not be empty")
    }

    func testCommonNameThatIsNotAStringIsRefused() {
        assertRefused(.object(["allow": .array([.object(["common_name": .number(7)])])]), "spec.x509pop.allow[0].common_name: expected a string")
    }

    func testOverlongCommonNameIsRefused() {
        assertRefused(rules(String(repeating: "a", count: 257)), "spec.x509pop.allow[0].common_name: longer than 256 characters")
    }

    func testCommonNameWithControlCharactersIsRefused() {
        assertRefused(rules("web\n1"), "spec.x509pop.allow[0].common_name: must not contain control characters")
    }

    func testTooManyRulesAreRefused() {
        assertRefused(.object(["allow": .array(Array(repeating: .object(["common_name": .string("a")]), count: 65))]),
                      "spec.x509pop.allow: 65 rules, at most 64 are allowed")
    }
}

/// `common_name` globs: `*` is any run of characters; everything else is literal.
final class CommonNamePatternTests: XCTestCase {
    func testExactNameMatchesOnlyItself() {
        let pattern = CommonNamePattern("web-1.example.com")
        XCTAssertTrue(pattern.matches("web-1.example.com"))
        XCTAssertFalse(pattern.matches("web-1.example.co"))
        XCTAssertFalse(pattern.matches("Web-1.example.com"))
        XCTAssertFalse(pattern.matches("xweb-1.example.com"))
    }

    func testStarMatchesAnyRunIncludingNone() {
        let pattern = CommonNamePattern("web-*.example.com")
        XCTAssertTrue(pattern.matches("web-.example.com"))
        XCTAssertTrue(pattern.matches("web-1.example.com"))
        XCTAssertTrue(pattern.matches("web-1.eu.example.com"))
        XCTAssertFalse(pattern.matches("web-1.example.org"))
    }

    func testQuestionMarkAndDotAreLiteral() {
        XCTAssertTrue(CommonNamePattern("a?c").matches("a?c"))
        XCTAssertFalse(CommonNamePattern("a?c").matches("abc"))
        XCTAssertFalse(CommonNamePattern("a.c").matches("abc"))
    }

    func testSeveralStarsBacktrack() {
        let pattern = CommonNamePattern("*-*-prod")
        XCTAssertTrue(pattern.matches("eu-web-7-prod"))
        XCTAssertFalse(pattern.matches("eu-web-7-staging"))
        XCTAssertTrue(CommonNamePattern("*").matches(""))
        XCTAssertTrue(CommonNamePattern("**").matches("anything"))
    }

    func testPathologicalPatternFinishesQuickly() {
        let pattern = CommonNamePattern(String(repeating: "*a", count: 120) + "b")
        XCTAssertFalse(pattern.matches(String(repeating: "a", count: 256)))
    }
}
