import Foundation
import JoinCore
import OIDCKit
import TestSupport
import XCTest

/// ID token verification against a real issuer over HTTPS: every allowed algorithm, each
/// forgery and each wrong claim refused with its own reason, keys rotated and the issuer down.
final class IDTokenVerifierTests: XCTestCase {
    private var issuer: OIDCTestIssuer!
    private var directory: URL!
    /// Made in setUp: XCTest makes every test's instance when the suite starts.
    private var clock: ManualClock!
    private var cache: KeySetCache!
    private var http: OIDCHTTPClient!
    private let verifier = IDTokenVerifier()
    private let audience = "test.example.com"

    override func setUp() async throws {
        clock = ManualClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        issuer = try await OIDCTestIssuer.start(in: directory)
        cache = KeySetCache(clock: clock)
        http = OIDCHTTPClient(environment: ["SSL_CERT_FILE": issuer.caFile.path])
    }

    override func tearDown() async throws {
        await issuer?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func trust(_ name: String = "ci", audience: String? = nil) -> IssuerTrust {
        IssuerTrust(issuer: issuer.issuerURL(name), keys: .discovered(cache, http), audience: audience ?? self.audience)
    }

    private func mint(_ name: String = "ci", claims: [String: JSONValue] = [:], alg: String = "RS256",
                      kid: OIDCTestIssuer.KidChoice = .keys, key: OIDCTestIssuer.SigningChoice = .current) async throws -> String {
        var all: [String: JSONValue] = ["sub": .string("repo:octo/app:ref:refs/heads/main"), "aud": .string(audience)]
        all.merge(claims) { $1 }
        return try await issuer.mint(issuer: name, claims: all, alg: alg, kid: kid, key: key)
    }

    private func refusal(_ token: String, trust: IssuerTrust? = nil, file: StaticString = #filePath, line: UInt = #line) async -> JoinError? {
        await expectedRefusal(file: file, line: line) {
            _ = try await verifier.verify(token, trust: trust ?? self.trust(), now: clock.now)
        }
    }

    func testEveryAllowedAlgorithmVerifies() async throws {
        // Minted first, so the issuer publishes a key for each before the keys are fetched.
        var tokens: [(String, String)] = []
        for alg in SigningAlgorithm.allCases.map(\.rawValue) { tokens.append((alg, try await mint(alg: alg))) }
        for (alg, token) in tokens {
            let claims = try await verifier.verify(token, trust: trust(), now: clock.now)
            XCTAssertEqual(claims.subject, "repo:octo/app:ref:refs/heads/main", alg)
            XCTAssertEqual(claims.issuer, issuer.issuerURL("ci"), alg)
        }
    }

    func testATokenWithoutKidIsCheckedAgainstTheKeysForItsAlgorithm() async throws {
        let token = try await mint(kid: .omit)
        let claims = try await verifier.verify(token, trust: trust(), now: clock.now)
        XCTAssertEqual(claims.subject, "repo:octo/app:ref:refs/heads/main")
    }

    func testForgedSignaturesAreRefused() async throws {
        let unpublished = await refusal(try await mint(key: .unpublished))
        XCTAssertEqual(unpublished?.kind, .accessDenied)
        XCTAssertTrue(unpublished?.message.contains("which the issuer \(issuer.issuerURL("ci")) does not publish") == true, unpublished?.message ?? "")

        let unsigned = await refusal(try await mint(key: .none))
        XCTAssertEqual(unsigned?.kind, .accessDenied)
        XCTAssertTrue(unsigned?.message.contains("not signed (alg \"none\")") == true, unsigned?.message ?? "")

        let hmac = await refusal(try await mint(key: .hs256PublicKey))
        XCTAssertEqual(hmac?.kind, .accessDenied)
        XCTAssertTrue(hmac?.message.contains("signed with HMAC (alg \"HS256\")") == true, hmac?.message ?? "")

        // A real signature with one byte changed in the payload.
        let token = try await mint()
        var parts = token.split(separator: ".").map(String.init)
        let payload = try XCTUnwrap(Base64URL.decode(Substring(parts[1])))
        var changed = String(decoding: payload, as: UTF8.self)
        changed = changed.replacingOccurrences(of: "octo/app", with: "evil/app")
        parts[1] = Base64URL.encode(Array(changed.utf8))
        let tampered = await refusal(parts.joined(separator: "."))
        XCTAssertTrue(tampered?.message.contains("signature does not verify") == true, tampered?.message ?? "")
    }

    func testAnAlgorithmTheKeyIsNotForIsRefused() async throws {
        // Sign with ES256 but name the RSA key's kid: the RSA key is never tried for ES256.
        let jwks = try await issuer.publishedJWKS(issuer: "ci")
        let rsaKid = try XCTUnwrap(try JSONDecoder().decode(JSONValue.self, from: Data(jwks.utf8))["keys"]
            .flatMap { if case .array(let keys) = $0 { return keys.first?["kid"]?.stringValue } else { return nil } })
        let error = await refusal(try await mint(alg: "ES256", kid: .value(rsaKid)))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.contains("signed with ES256, which the issuer's key \"\(rsaKid)\" is not for") == true, error?.message ?? "")
    }

    func testWrongClaimsAreRefusedEachWithItsReason() async throws {
        let now = clock.now.timeIntervalSince1970
        let cases: [(String, [String: JSONValue], String)] = [
            ("wrong issuer", ["iss": .string("https://token.actions.githubusercontent.com")], "was issued by \"https://token.actions.githubusercontent.com\""),
            ("wrong audience", ["aud": .string("another.example.com")], "audience \"another.example.com\" is not \"test.example.com\""),
            ("no audience", ["aud": .null], "has no \"aud\" claim"),
            ("expired", ["iat": .number(now - 600), "nbf": .number(now - 600), "exp": .number(now - 120)], "expired at"),
            ("not yet valid", ["nbf": .number(now + 600), "exp": .number(now + 900)], "not valid before"),
            ("too old", ["iat": .number(now - 2 * 3600), "nbf": .number(now - 2 * 3600), "exp": .number(now + 3600)], "more than 60 minutes ago"),
            ("issued in the future", ["iat": .number(now + 600), "nbf": .null, "exp": .number(now + 900)], "issued in the future"),
            ("no expiry", ["exp": .null], "has no \"exp\" claim"),
            ("no iat", ["iat": .null], "has no \"iat\" claim"),
        ]
        for (name, claims, expected) in cases {
            let error = await refusal(try await mint(claims: claims))
            XCTAssertEqual(error?.kind, .accessDenied, name)
            XCTAssertTrue(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
        }
    }

    func testAudienceListsAndSkewWithinTheBoundAreAccepted() async throws {
        let now = clock.now.timeIntervalSince1970
        let token = try await mint(claims: ["aud": .array([.string("other"), .string(audience)]),
                                            "iat": .number(now + 30), "nbf": .number(now + 30), "exp": .number(now - 30)])
        let claims = try await verifier.verify(token, trust: trust(), now: clock.now)
        XCTAssertEqual(claims.subject, "repo:octo/app:ref:refs/heads/main")
    }

    func testMalformedTokensAreRefusedWithoutFetchingKeys() async throws {
        for text in ["", "a.b", "not.a.token", String(repeating: "x", count: 20_000)] {
            let error = await refusal(text)
            XCTAssertEqual(error?.kind, .badParameter, text.prefix(20).description)
        }
        let fetches = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(fetches, 0)
    }

    func testRotatedKeysArePickedUpAtOnceAndUnknownKidsCannotHammerTheIssuer() async throws {
        _ = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        let afterFirst = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(afterFirst, 1)

        let newKid = try await issuer.rotate(issuer: "ci", retireOld: true)
        let rotated = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        XCTAssertEqual(rotated.subject, "repo:octo/app:ref:refs/heads/main", newKid)
        let afterRotation = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(afterRotation, 2, "one fetch for the new kid")

        // Forged kids right after: no more fetches until the refetch interval has passed.
        for _ in 0..<5 { _ = await refusal(try await mint(key: .unpublished)) }
        let afterForgeries = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(afterForgeries, 2)
        clock.advance(by: 31)
        _ = await refusal(try await mint(key: .unpublished))
        let later = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(later, 3)
    }

    func testCacheControlSetsHowLongKeysAreKept() async throws {
        try await issuer.setCacheMaxAge(120)
        _ = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        clock.advance(by: 100)
        _ = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        let within = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(within, 1, "kept for max-age=120")
        clock.advance(by: 30)
        _ = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        let after = try await issuer.jwksFetches(issuer: "ci")
        XCTAssertEqual(after, 2, "fetched again after max-age")
    }

    func testTheIssuerDownServesCachedKeysAndFailsAsUnavailableWithNone() async throws {
        _ = try await verifier.verify(try await mint(), trust: trust(), now: clock.now)
        let token = try await mint()
        try await issuer.setAvailable(false)
        clock.advance(by: 3600)
        let cached = try await verifier.verify(token, trust: trust(), now: clock.now.addingTimeInterval(-3600 + 10))
        XCTAssertEqual(cached.subject, "repo:octo/app:ref:refs/heads/main")

        let error = await refusal(token, trust: trust("never-fetched"))
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertTrue(error?.message.contains(issuer.issuerURL("never-fetched")) == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("503") == true, error?.message ?? "")

        // Joins right after that failure are refused with it, without asking the issuer again.
        let asked = try await issuer.discoveryFetches(issuer: "never-fetched")
        let again = await refusal(token, trust: trust("never-fetched"))
        XCTAssertEqual(again?.message, error?.message)
        let askedAfter = try await issuer.discoveryFetches(issuer: "never-fetched")
        XCTAssertEqual(askedAfter, asked)
    }

    func testAnIssuerWhoseCertificateIsNotTrustedIsUnavailable() async throws {
        let untrusting = IssuerTrust(issuer: issuer.issuerURL("ci"), keys: .discovered(KeySetCache(clock: clock), OIDCHTTPClient(environment: [:])),
                                     audience: audience)
        let error = await refusal(try await mint(), trust: untrusting)
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertTrue(error?.message.contains("the system trust store") == true, error?.message ?? "")
    }

    func testKeysAreFetchedThroughTheProxyHTTPSProxyNames() async throws {
        let proxy = try TinyProxy.start()
        defer { proxy.stop() }
        let proxied = OIDCHTTPClient(environment: ["SSL_CERT_FILE": issuer.caFile.path, "HTTPS_PROXY": proxy.url])
        let trust = IssuerTrust(issuer: issuer.issuerURL("ci"), keys: .discovered(KeySetCache(clock: clock), proxied), audience: audience)
        let claims = try await verifier.verify(try await mint(), trust: trust, now: clock.now)
        XCTAssertEqual(claims.subject, "repo:octo/app:ref:refs/heads/main")
        let tunnels = proxy.logText().components(separatedBy: "CONNECT 127.0.0.1:\(issuer.port) ").count - 1
        XCTAssertGreaterThanOrEqual(tunnels, 1, proxy.logText())
    }

    func testStaticKeysVerifyWithoutTheIssuer() async throws {
        let jwks = try await issuer.publishedJWKS(issuer: "ci")
        let token = try await mint()
        try await issuer.setAvailable(false)
        let fixed = IssuerTrust(issuer: issuer.issuerURL("ci"), keys: .fixed(try KeySet(jwks: Array(jwks.utf8))), audience: audience)
        let claims = try await verifier.verify(token, trust: fixed, now: clock.now)
        XCTAssertEqual(claims.subject, "repo:octo/app:ref:refs/heads/main")
        let unpublished = await refusal(try await issuer.mint(issuer: "ci", claims: ["aud": .string(audience)], key: .unpublished), trust: fixed)
        XCTAssertEqual(unpublished?.kind, .accessDenied)
    }
}
