import Foundation
import JoinCore
import XCTest

/// HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Teleport reads them: the proxy values, which
/// destinations go direct, and errors that name the variable but never its credentials.
final class ProxyEnvironmentTests: XCTestCase {
    private func environment(_ variables: [String: String]) throws -> ProxyEnvironment {
        try ProxyEnvironment(environment: variables)
    }

    private func proxy(_ value: String, variable: String = "HTTPS_PROXY") throws -> OutboundProxy? {
        let parsed = try environment([variable: value])
        return variable.lowercased() == "https_proxy" ? parsed.httpsProxy : parsed.httpProxy
    }

    /// The message of the `JoinError.badParameter` that reading `variables` throws.
    private func badParameter(_ variables: [String: String], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let parsed = try ProxyEnvironment(environment: variables)
            XCTFail("expected badParameter, got \(parsed)", file: file, line: line)
            return ""
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            return error.message
        } catch {
            XCTFail("expected JoinError, got \(error)", file: file, line: line)
            return ""
        }
    }

    private let corporate = OutboundProxy(scheme: .http, host: "proxy.example.com", port: 8080)

    // MARK: - Proxy values

    func testNoVariablesIsNoProxy() throws {
        let parsed = try environment([:])
        XCTAssertEqual(parsed, .none)
        XCTAssertNil(parsed.proxy(forHost: "sts.amazonaws.com", port: 443, secure: true))
        XCTAssertNil(ProxyEnvironment.none.proxy(forHost: "example.com", port: 80, secure: false))
    }

    func testFullProxyURLIsParsed() throws {
        XCTAssertEqual(try proxy("http://proxy.example.com:8080/"), corporate)
        XCTAssertEqual(try proxy("https://proxy.example.com:3129"), OutboundProxy(scheme: .https, host: "proxy.example.com", port: 3129))
    }

    func testValueWithoutSchemeIsHTTP() throws {
        XCTAssertEqual(try proxy("proxy.example.com:8080"), corporate)
    }

    func testMissingPortIs80ForHTTPAnd443ForHTTPS() throws {
        XCTAssertEqual(try proxy("http://proxy.example.com")?.port, 80)
        XCTAssertEqual(try proxy("https://proxy.example.com/")?.port, 443)
        XCTAssertEqual(try proxy("proxy.example.com")?.port, 80)
    }

    func testSchemeAndHostAreCaseInsensitive() throws {
        XCTAssertEqual(try proxy("HTTP://Proxy.Example.COM:8080"), corporate)
    }

    func testIPv6ProxyInBrackets() throws {
        let parsed = try proxy("http://[::1]:3128")
        XCTAssertEqual(parsed, OutboundProxy(scheme: .http, host: "::1", port: 3128))
        XCTAssertEqual(parsed?.description, "http://[::1]:3128")
        XCTAssertEqual(try proxy("[fd00::10]")?.port, 80)
    }

    func testLoopbackAddressIsAcceptedAsProxyHost() throws {
        XCTAssertEqual(try proxy("http://127.0.0.1:3128"), OutboundProxy(scheme: .http, host: "127.0.0.1", port: 3128))
    }

    func testCredentialsArePercentDecoded() throws {
        let parsed = try proxy("http://al%40ice:p%3Ass%2Fw@proxy.example.com:8080")
        XCTAssertEqual(parsed?.username, "al@ice")
        XCTAssertEqual(parsed?.password, "p:ss/w")
        XCTAssertEqual(parsed?.host, "proxy.example.com")
    }

    func testProxyAuthorizationIsBasicOfUserAndPassword() throws {
        let parsed = try proxy("http://alice:s3cret@proxy.example.com:8080")
        XCTAssertEqual(parsed?.proxyAuthorization, "Basic " + Data("alice:s3cret".utf8).base64EncodedString())
        XCTAssertEqual(try proxy("http://alice@proxy.example.com:8080")?.proxyAuthorization,
                       "Basic " + Data("alice:".utf8).base64EncodedString())
        XCTAssertNil(corporate.proxyAuthorization)
    }

    func testDescriptionNeverShowsCredentials() throws {
        let parsed = try XCTUnwrap(try proxy("http://alice:hunter2-secret@proxy.example.com:8080"))
        XCTAssertEqual(parsed.description, "http://proxy.example.com:8080")
        let whole = try environment(["HTTPS_PROXY": "http://alice:hunter2-secret@proxy.example.com:8080"])
        for text in ["\(parsed)", String(reflecting: parsed), "\(whole)", String(reflecting: whole)] {
            XCTAssertFalse(text.contains("hunter2"), text)
        }
        var dumped = ""
        dump(parsed, to: &dumped)
        XCTAssertFalse(dumped.contains("hunter2"), dumped)
    }

    // MARK: - Precedence

    func testUpperCaseVariableWinsOverLowerCase() throws {
        let parsed = try environment(["HTTPS_PROXY": "http://upper.example.com:1", "https_proxy": "http://lower.example.com:2",
                                      "HTTP_PROXY": "http://upper.example.com:3", "http_proxy": "http://lower.example.com:4"])
        XCTAssertEqual(parsed.httpsProxy?.host, "upper.example.com")
        XCTAssertEqual(parsed.httpProxy?.port, 3)
    }

    func testLowerCaseVariableIsReadWhenUpperCaseIsAbsent() throws {
        let parsed = try environment(["https_proxy": "http://lower.example.com:2", "http_proxy": "http://lower.example.com:4"])
        XCTAssertEqual(parsed.httpsProxy?.port, 2)
        XCTAssertEqual(parsed.httpProxy?.port, 4)
    }

    func testEmptyValueIsUnset() throws {
        XCTAssertEqual(try environment(["HTTPS_PROXY": "", "HTTP_PROXY": "  ", "NO_PROXY": ""]), .none)
        XCTAssertEqual(try environment(["HTTPS_PROXY": "", "https_proxy": "http://lower.example.com:2"]).httpsProxy?.port, 2)
    }

    func testUpperCaseNoProxyWinsOverLowerCase() throws {
        let parsed = try environment(["HTTPS_PROXY": "http://proxy.example.com:8080", "NO_PROXY": "a.example.com", "no_proxy": "b.example.com"])
        XCTAssertNil(parsed.proxy(forHost: "a.example.com", port: 443, secure: true))
        XCTAssertNotNil(parsed.proxy(forHost: "b.example.com", port: 443, secure: true))
    }

    func testSecureUsesHTTPSProxyAndPlainUsesHTTPProxy() throws {
        let parsed = try environment(["HTTPS_PROXY": "http://tls-proxy.example.com:1", "HTTP_PROXY": "http://plain-proxy.example.com:2"])
        XCTAssertEqual(parsed.proxy(forHost: "ec2.us-east-1.amazonaws.com", port: 443, secure: true)?.host, "tls-proxy.example.com")
        XCTAssertEqual(parsed.proxy(forHost: "127.0.0.1", port: 5000, secure: false)?.host, "plain-proxy.example.com")
    }

    func testOnlyHTTPProxySetLeavesTLSDestinationsDirect() throws {
        let parsed = try environment(["HTTP_PROXY": "http://plain-proxy.example.com:2"])
        XCTAssertNil(parsed.proxy(forHost: "teleport.example.com", port: 3080, secure: true))
        XCTAssertNotNil(parsed.proxy(forHost: "teleport.example.com", port: 80, secure: false))
    }

    // MARK: - Errors

    func testUnsupportedSchemeIsRefused() {
        XCTAssertEqual(badParameter(["HTTPS_PROXY": "socks5://proxy.example.com:1080"]),
                       "HTTPS_PROXY: unsupported proxy scheme \"socks5\"; use http:// or https://")
    }

    func testErrorNamesTheLowerCaseVariableThatWasRead() {
        XCTAssertTrue(badParameter(["http_proxy": "socks5h://proxy.example.com"]).hasPrefix("http_proxy: "))
    }

    func testMalformedPortIsRefused() {
        for value in ["http://proxy.example.com:80a", "http://proxy.example.com:", "http://proxy.example.com:0",
                      "http://proxy.example.com:65536", "http://[::1]:x"] {
            let message = badParameter(["HTTPS_PROXY": value])
            XCTAssertTrue(message.hasPrefix("HTTPS_PROXY: invalid proxy port"), message)
        }
    }

    func testEmptyHostIsRefused() {
        let message = badParameter(["HTTP_PROXY": "http://:3128"])
        XCTAssertTrue(message.hasPrefix("HTTP_PROXY: no proxy host"), message)
    }

    func testMissingSchemeBeforeSeparatorIsRefused() {
        XCTAssertTrue(badParameter(["HTTPS_PROXY": "://proxy.example.com:3128"]).contains("no scheme"))
    }

    func testPathOrQueryIsRefused() {
        XCTAssertTrue(badParameter(["HTTPS_PROXY": "http://proxy.example.com:3128/path"]).contains("path, query or fragment"))
    }

    func testLocalhostIsRefusedAsProxyHost() {
        for value in ["http://localhost:3128", "LOCALHOST:3128", "http://proxy.localhost:3128", "http://localhost.:3128"] {
            let message = badParameter(["HTTPS_PROXY": value])
            XCTAssertTrue(message.hasPrefix("HTTPS_PROXY: localhost is not accepted as a proxy host (as in Teleport); if the proxy runs on this machine, name it by another DNS name or address"), message)
        }
    }

    func testBadPercentEncodingIsRefusedWithoutShowingCredentials() {
        let message = badParameter(["HTTPS_PROXY": "http://alice:bad%zzsecret@proxy.example.com:3128"])
        XCTAssertTrue(message.contains("percent-encoding"), message)
        XCTAssertFalse(message.contains("secret@") || message.contains("alice"), message)
    }

    func testErrorsNeverContainTheCredentials() {
        let values = [
            "http://alice:hunter2@proxy.example.com:badport",
            "http://alice:hunter2@:3128",
            "http://alice:hunter2@localhost:3128",
            "http://alice:hunter2@proxy.example.com:3128/some/path",
            "http://alice:hunter2@[::1:3128",
            "socks5://alice:hunter2@proxy.example.com:1080",
            "alice:hunter2://x@proxy.example.com:bad",
            "http://alice:hun/ter2@proxy.example.com:99999",
        ]
        for value in values {
            let message = badParameter(["HTTPS_PROXY": value])
            XCTAssertFalse(message.contains("hunter2") || message.contains("hun/ter2") || message.contains("ter2"), message)
            XCTAssertFalse(message.contains("alice"), message)
            XCTAssertTrue(message.hasPrefix("HTTPS_PROXY: "), message)
        }
    }

    func testMalformedNoProxyEntryIsRefused() {
        XCTAssertTrue(badParameter(["NO_PROXY": "example.com:abc"]).hasPrefix("NO_PROXY: entry \"example.com:abc\" has an invalid port"))
        XCTAssertTrue(badParameter(["no_proxy": "10.0.0.0/33"]).hasPrefix("no_proxy: entry \"10.0.0.0/33\" is not a CIDR block"))
        XCTAssertTrue(badParameter(["NO_PROXY": "10.0.0/8"]).contains("is not an IP address"))
        XCTAssertTrue(badParameter(["NO_PROXY": "exa mple.com"]).contains("is not an IP address, a CIDR block or a host name"))
    }

    // MARK: - NO_PROXY

    private func routed(noProxy: String) throws -> ProxyEnvironment {
        try environment(["HTTPS_PROXY": "http://proxy.example.com:8080", "HTTP_PROXY": "http://proxy.example.com:8080", "NO_PROXY": noProxy])
    }

    private func isDirect(_ env: ProxyEnvironment, _ host: String, _ port: Int = 443, secure: Bool = true) -> Bool {
        env.proxy(forHost: host, port: port, secure: secure) == nil
    }

    func testStarBypassesEverything() throws {
        let env = try routed(noProxy: "*")
        XCTAssertTrue(isDirect(env, "sts.amazonaws.com"))
        XCTAssertTrue(isDirect(env, "10.9.8.7", 80, secure: false))
    }

    func testHostNameMatchesItselfAndSubdomains() throws {
        let env = try routed(noProxy: "example.com")
        XCTAssertTrue(isDirect(env, "example.com"))
        XCTAssertTrue(isDirect(env, "teleport.example.com"))
        XCTAssertTrue(isDirect(env, "Deep.Teleport.EXAMPLE.com."))
        XCTAssertFalse(isDirect(env, "notexample.com"))
        XCTAssertFalse(isDirect(env, "example.com.evil.net"))
    }

    func testLeadingDotAndStarDotMatchTheNameAndSubdomains() throws {
        for entry in [".example.com", "*.example.com"] {
            let env = try routed(noProxy: entry)
            XCTAssertTrue(isDirect(env, "example.com"), entry)
            XCTAssertTrue(isDirect(env, "a.example.com"), entry)
            XCTAssertFalse(isDirect(env, "badexample.com"), entry)
        }
    }

    func testEntriesAreTrimmedAndCaseInsensitive() throws {
        let env = try routed(noProxy: " Example.COM , ,10.1.2.3 ")
        XCTAssertTrue(isDirect(env, "www.example.com"))
        XCTAssertTrue(isDirect(env, "10.1.2.3"))
    }

    func testHostWithPortMatchesOnlyThatPort() throws {
        let env = try routed(noProxy: "teleportproxy.example.com:3024,127.0.0.1:3080")
        XCTAssertTrue(isDirect(env, "teleportproxy.example.com", 3024))
        XCTAssertFalse(isDirect(env, "teleportproxy.example.com", 3080))
        XCTAssertTrue(isDirect(env, "127.0.0.1", 3080))
        XCTAssertFalse(isDirect(env, "127.0.0.1", 3081))
    }

    func testIPAddressEntry() throws {
        let env = try routed(noProxy: "10.1.2.3,fd00::1")
        XCTAssertTrue(isDirect(env, "10.1.2.3"))
        XCTAssertFalse(isDirect(env, "10.1.2.4"))
        XCTAssertTrue(isDirect(env, "[fd00::1]"))
        XCTAssertTrue(isDirect(env, "fd00:0::1"))
    }

    func testBracketedIPv6EntryWithPort() throws {
        let env = try routed(noProxy: "[::1]:3080")
        XCTAssertTrue(isDirect(env, "::1", 3080))
        XCTAssertFalse(isDirect(env, "::1", 3081))
    }

    func testIPv4CIDR() throws {
        let env = try routed(noProxy: "10.0.0.0/8,192.168.0.0/16,172.16.0.0/12")
        XCTAssertTrue(isDirect(env, "10.200.3.4"))
        XCTAssertTrue(isDirect(env, "192.168.77.1"))
        XCTAssertTrue(isDirect(env, "172.31.255.255"))
        XCTAssertFalse(isDirect(env, "172.32.0.1"))
        XCTAssertFalse(isDirect(env, "11.0.0.1"))
    }

    func testIPv6CIDR() throws {
        let env = try routed(noProxy: "fd00::/8")
        XCTAssertTrue(isDirect(env, "fd12:3456::1"))
        XCTAssertTrue(isDirect(env, "[fdff::2]"))
        XCTAssertFalse(isDirect(env, "fe80::1"))
        XCTAssertFalse(isDirect(env, "10.0.0.1"))
    }

    func testCIDRWithPortMatchesOnlyThatPort() throws {
        let env = try routed(noProxy: "10.0.0.0/8:3080")
        XCTAssertTrue(isDirect(env, "10.1.1.1", 3080))
        XCTAssertFalse(isDirect(env, "10.1.1.1", 3024))
    }

    func testIPDestinationMatchesOnlyIPEntriesAndNamesOnlyNameEntries() throws {
        let addresses = try routed(noProxy: "10.0.0.0/8,10.1.2.3")
        XCTAssertTrue(isDirect(addresses, "10.1.2.3"))
        XCTAssertFalse(isDirect(addresses, "10.example.com"))
        let names = try routed(noProxy: "example.com,216.34")
        XCTAssertFalse(isDirect(names, "93.184.216.34"))
    }

    func testLoopbackIsNotBypassedAutomatically() throws {
        let env = try routed(noProxy: "example.com")
        XCTAssertFalse(isDirect(env, "127.0.0.1", 5000, secure: false))
        XCTAssertFalse(isDirect(env, "localhost", 5000, secure: false))
    }

    func testInstanceMetadataServiceIsAlwaysDirect() throws {
        let env = try routed(noProxy: "")
        XCTAssertTrue(isDirect(env, "169.254.169.254", 80, secure: false))
        XCTAssertTrue(isDirect(env, "169.254.169.254", 443, secure: true))
        XCTAssertTrue(isDirect(env, "[fd00:ec2::254]", 80, secure: false))
        XCTAssertTrue(isDirect(env, "fd00:ec2:0:0::254", 80, secure: false))
        XCTAssertFalse(isDirect(env, "169.254.169.253", 80, secure: false))
    }
}
