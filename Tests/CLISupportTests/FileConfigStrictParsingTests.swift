import CLISupport
import JoinCore
import XCTest

/// teleport.yaml is parsed strictly: every mistake names the file and the field.
final class FileConfigStrictParsingTests: XCTestCase {
    private let file = "/etc/teleport.yaml"

    private func parseError(_ yaml: String, pluginKeys: Set<String> = [],
                            file: StaticString = #filePath, line: UInt = #line) -> JoinError? {
        do {
            _ = try FileConfig.parse(yaml: yaml, fileName: self.file, pluginAuthServiceKeys: pluginKeys)
            XCTFail("expected the config to be rejected", file: file, line: line)
            return nil
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("/etc/teleport.yaml: "), error.message, file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testUnknownNestedKeyIsNamedWithItsPath() {
        let error = parseError("""
            version: v3
            teleport:
              join_parms:
                token_name: abc
            """)
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: unknown field \"teleport.join_parms\"")
    }

    func testUnknownKeyDeepInsideLogIsNamed() {
        let error = parseError("""
            version: v3
            teleport:
              log:
                format:
                  outptu: json
            """)
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: unknown field \"teleport.log.format.outptu\"")
    }

    func testUnknownTopLevelSectionIsNamed() {
        let error = parseError("version: v3\nssh_servce:\n  enabled: yes\n")
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: unknown field \"ssh_servce\"")
    }

    func testWrongTypeNamesTheField() {
        let error = parseError("""
            version: v3
            auth_service:
              listen_addr: [a, b]
            """)
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: field \"auth_service.listen_addr\": expected a string")
    }

    func testNumberFieldWithAListSaysANumberIsExpected() {
        let error = parseError("version: v3\nauth_service:\n  join_rate_limit:\n    burst: [1]\n")
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: field \"auth_service.join_rate_limit.burst\": expected a number")
    }

    func testLabelsThatAreAListSayAMapIsExpected() {
        let error = parseError("version: v3\nssh_service:\n  labels: [a, b]\n")
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: field \"ssh_service.labels\": expected a map")
    }

    func testSectionThatIsNotAMapNamesTheField() {
        let error = parseError("version: v3\nteleport: 5\n")
        XCTAssertTrue(error?.message.contains("\"teleport\"") ?? false, error?.message ?? "")
    }

    func testMalformedYAMLNamesTheFileAndLine() {
        let error = parseError("""
            version: v3
            teleport:
              nodename: node-1
             data_dir: /x
            """)
        XCTAssertTrue(error?.message.contains("line 4") ?? false, error?.message ?? "")
    }

    func testDuplicateKeyIsRejected() {
        let error = parseError("version: v3\nteleport:\n  nodename: a\n  nodename: b\n")
        XCTAssertTrue(error?.message.contains("nodename") ?? false, error?.message ?? "")
    }

    func testTopLevelListIsRejected() {
        let error = parseError("- a\n- b\n")
        XCTAssertTrue(error?.message.contains("top level") ?? false, error?.message ?? "")
    }

    func testInvalidBoolNamesFieldAndValue() {
        let error = parseError("version: v3\nssh_service:\n  enabled: maybe\n")
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: field \"ssh_service.enabled\": " +
            "expected a boolean (true/false, yes/no, on/off), got \"maybe\"")
    }

    func testUnsupportedVersionIsRejected() {
        let error = parseError("version: v4\n")
        XCTAssertTrue(error?.message.contains("field \"version\"") ?? false, error?.message ?? "")
    }

    func testBothAuthServerAndProxyServerAreRejected() {
        let error = parseError("""
            version: v3
            teleport:
              auth_server: auth.example.com:3025
              proxy_server: proxy.example.com:443
            """)
        XCTAssertTrue(error?.message.contains("only one of auth or proxy server should be set") ?? false)
    }

    func testAuthServersListIsRejectedInV3() {
        let error = parseError("""
            version: v3
            teleport:
              auth_servers: [auth.example.com:3025]
            """)
        XCTAssertTrue(error?.message.contains("teleport.auth_servers") ?? false)
        XCTAssertTrue(error?.message.contains("teleport.proxy_server") ?? false)
    }

    func testAuthServersListIsAcceptedInV2() throws {
        let config = try FileConfig.parse(yaml: """
            version: v2
            teleport:
              auth_servers: [auth.example.com:3025, auth2.example.com:3025]
            """)
        XCTAssertEqual(config.teleport.authServers, ["auth.example.com:3025", "auth2.example.com:3025"])
        XCTAssertEqual(config.version, .v2)
    }

    func testProxyServerNeedsV3() {
        let error = parseError("version: v2\nteleport:\n  proxy_server: p:443\n")
        XCTAssertTrue(error?.message.contains("needs version v3") ?? false)
    }

    func testProxyServerWithProxyServiceEnabledIsRejected() {
        let error = parseError("""
            version: v3
            teleport:
              proxy_server: proxy.example.com:443
            proxy_service:
              enabled: yes
            """)
        XCTAssertTrue(error?.message.contains("proxy_service") ?? false)
    }

    func testAuthTokenAndJoinParamsTogetherAreRejected() {
        let error = parseError("""
            version: v3
            teleport:
              auth_token: a
              join_params:
                token_name: b
            """)
        XCTAssertTrue(error?.message.contains("auth_token") ?? false)
        XCTAssertFalse(error?.message.contains(": a") ?? true, "must not echo token values")
    }

    func testInvalidCAPinIsRejectedWithTheField() {
        let error = parseError("version: v3\nteleport:\n  ca_pin: md5:abc\n")
        XCTAssertTrue(error?.message.contains("field \"teleport.ca_pin\"") ?? false, error?.message ?? "")
    }

    func testPluginKeyIsRejectedWhenNoPluginDeclaresIt() {
        let error = parseError("""
            version: v3
            auth_service:
              tokens: ["node:abc"]
            """)
        XCTAssertEqual(error?.message, "/etc/teleport.yaml: unknown field \"auth_service.tokens\"")
    }

    func testPluginKeyIsAcceptedAndKeptRawWhenDeclared() throws {
        let config = try FileConfig.parse(yaml: """
            version: v3
            auth_service:
              enabled: true
              tokens:
                - "proxy,node:secret-token-value"
                - "auth:/path/to/tokenfile"
            """, fileName: file, pluginAuthServiceKeys: ["tokens"])
        XCTAssertEqual(config.authServiceRaw["tokens"],
                       .array([.string("proxy,node:secret-token-value"), .string("auth:/path/to/tokenfile")]))
        XCTAssertEqual(config.authServiceRaw["enabled"], .bool(true))
    }

    func testUnknownLogSeverityIsRejected() {
        let error = parseError("version: v3\nteleport:\n  log:\n    severity: LOUD\n")
        XCTAssertTrue(error?.message.contains("teleport.log.severity") ?? false, error?.message ?? "")
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try FileConfig.load(path: "/nonexistent/teleport.yaml", pluginAuthServiceKeys: [])) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("/nonexistent/teleport.yaml: cannot read"), message)
        }
    }
}
