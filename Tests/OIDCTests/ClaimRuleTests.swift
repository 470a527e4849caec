import JoinCore
import OIDCKit
import XCTest

/// The rules engine every OIDC method matches its allow rules with.
final class ClaimRuleTests: XCTestCase {
    func testGlobs() {
        XCTAssertTrue(Glob("octo/*").matches("octo/app"))
        XCTAssertTrue(Glob("octo/*").matches("octo/"))
        XCTAssertTrue(Glob("*/app").matches("a/b/app"))
        XCTAssertTrue(Glob("v?.*").matches("v1.2"))
        XCTAssertFalse(Glob("v?.*").matches("v12.2"))
        XCTAssertFalse(Glob("octo/*").matches("octocat/app"))
        XCTAssertFalse(Glob("main").matches("main2"))
        XCTAssertTrue(Glob("main").matches("main"))
        XCTAssertFalse(Glob("").matches("x"))
        // No regular-expression meaning leaks in.
        XCTAssertFalse(Glob("a.c").matches("abc"))
        XCTAssertFalse(Glob("[ab]").matches("a"))
        // Linear, not exponential, on a hostile pattern.
        let started = Date()
        XCTAssertFalse(Glob(String(repeating: "*a", count: 40) + "b").matches(String(repeating: "a", count: 5000)))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testMatchKinds() {
        XCTAssertTrue(ClaimMatch.exact("42").matches(.number(42)))
        XCTAssertFalse(ClaimMatch.exact("42").matches(.string("042")))
        XCTAssertTrue(ClaimMatch.bool(true).matches(.string("true")))
        XCTAssertTrue(ClaimMatch.bool(false).matches(.bool(false)))
        XCTAssertFalse(ClaimMatch.bool(true).matches(.string("yes")))
        XCTAssertTrue(ClaimMatch.member("ctx-1").matches(.array([.string("ctx-0"), .string("ctx-1")])))
        XCTAssertFalse(ClaimMatch.member("ctx-2").matches(.array([.string("ctx-0"), .string("ctx-1")])))
        XCTAssertTrue(ClaimMatch.oneOf(["a", "b"]).matches(.string("b")))
        XCTAssertFalse(ClaimMatch.oneOf(["a", "b"]).matches(.string("c")))
        XCTAssertTrue(ClaimMatch.noneOf(["a"]).matches(.string("b")))
        XCTAssertFalse(ClaimMatch.noneOf(["a"]).matches(.string("a")))
        XCTAssertTrue(ClaimMatch.typed(.number(1234)).matches(.number(1234)))
        XCTAssertFalse(ClaimMatch.typed(.number(1234)).matches(.string("1234")))
        XCTAssertTrue(ClaimMatch.glob(Glob("admin*")).matches(.array([.string("users"), .string("admins")])))
        for match in [ClaimMatch.exact("x"), .glob(Glob("*")), .bool(true), .member("x"), .oneOf(["x"]), .noneOf(["x"]), .typed(.string("x"))] {
            XCTAssertFalse(match.matches(nil), "a missing claim satisfies nothing: \(match)")
        }
    }

    func testTheFirstHoldingRuleWinsAndMismatchesNameFieldsNotValues() {
        let claims = VerifiedClaims(issuer: "https://issuer", all: [
            "repository": .string("octo/app"), "ref": .string("refs/heads/dev"), "nested": .object(["id": .number(7)]),
        ])
        let strict = ClaimRule([ClaimCondition(field: "repository", claim: "repository", match: .exact("octo/app")),
                                ClaimCondition(field: "ref", claim: "ref", match: .exact("refs/heads/main"))])
        let loose = ClaimRule([ClaimCondition(field: "nested.id", claimPath: ["nested", "id"], match: .typed(.number(7)))])
        XCTAssertEqual(try ClaimRule.firstMatch([strict, loose], claims).get(), 1)
        guard case .failure(let mismatch) = ClaimRule.firstMatch([strict], claims) else { return XCTFail("matched") }
        XCTAssertEqual(mismatch.reasons, ["rule 0: ref"])
        XCTAssertFalse(mismatch.reasons.joined().contains("refs/heads/main"))
    }

    func testARuleWithoutConditionsNeverHolds() {
        let claims = VerifiedClaims(issuer: "https://issuer", all: ["sub": .string("anyone")])
        guard case .failure(let mismatch) = ClaimRule.firstMatch([ClaimRule([])], claims) else { return XCTFail("an empty rule matched") }
        XCTAssertEqual(mismatch.reasons, ["rule 0: (a rule with no conditions)"])
    }

    func testIssuerHosts() {
        for valid in ["gitlab.com", "127.0.0.1:8443", "ghes.example.com", "[::1]:443", "a-b.example"] {
            XCTAssertTrue(IssuerHost.isValid(valid), valid)
        }
        for invalid in ["gitlab.corp@attacker.example", "host?x=1", "host#frag", "host\\x", "host name", "", ":443",
                        "host:0", "host:99999", "-host", "[::1", "host:12ab"] {
            XCTAssertFalse(IssuerHost.isValid(invalid), invalid)
        }
    }

    func testCacheControlIsHonouredWithinBounds() {
        let policy = KeySetCachePolicy()
        XCTAssertEqual(policy.lifetime(cacheControl: "public, max-age=3600"), 3600)
        XCTAssertEqual(policy.lifetime(cacheControl: "max-age=5"), 60)
        XCTAssertEqual(policy.lifetime(cacheControl: "no-store"), 60)
        XCTAssertEqual(policy.lifetime(cacheControl: "max-age=99999999"), 24 * 3600)
        XCTAssertEqual(policy.lifetime(cacheControl: nil), 600)
        XCTAssertEqual(policy.lifetime(cacheControl: "max-age=soon"), 600)
    }
}
