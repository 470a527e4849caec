import CLIKit
import CLISupport
import JoinCore
import XCTest

/// tbot.yaml is parsed strictly: every mistake is an error naming the file and the field, and
/// none of them repeats a secret.
final class TbotConfigErrorTests: XCTestCase {
    private let file = "/etc/tbot.yaml"
    private let server = "version: v2\nauth_server: 127.0.0.1:3025\n"
    private let storage = "storage: {type: directory, path: /var/lib/teleport/bot}\n"

    private func message(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try TbotConfig.parse(yaml: yaml, fileName: self.file)
            XCTFail("expected the config to be rejected", file: file, line: line)
            return ""
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("/etc/tbot.yaml: "), error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    func testMissingVersionIsRejected() {
        XCTAssertEqual(message("auth_server: a:1\n" + storage),
                       "/etc/tbot.yaml: field \"version\": missing: tbot.yaml must start with version: v2")
    }

    func testVersionOtherThanV2IsRejected() {
        XCTAssertEqual(message("version: v1\nauth_server: a:1\n" + storage),
                       "/etc/tbot.yaml: field \"version\": version \"v1\" is not supported; use version: v2")
    }

    func testUnknownTopLevelKeyIsNamed() {
        XCTAssertEqual(message(server + storage + "onbaording: {token: x}\n"),
                       "/etc/tbot.yaml: unknown field \"onbaording\"")
    }

    func testUnknownOnboardingKeyIsNamedWithItsPath() {
        XCTAssertEqual(message(server + storage + "onboarding:\n  tokne: x\n"),
                       "/etc/tbot.yaml: unknown field \"onboarding.tokne\"")
    }

    func testUnknownBoundKeypairKeyIsNamedWithItsPath() {
        XCTAssertEqual(message(server + storage + "onboarding:\n  bound_keypair:\n    registration_secrets: x\n"),
                       "/etc/tbot.yaml: unknown field \"onboarding.bound_keypair.registration_secrets\"; onboarding.bound_keypair takes "
                           + "registration_secret, registration_secret_value, registration_secret_path, static_private_key_path, static_key_path")
    }

    func testUnknownStorageKeyIsNamed() {
        XCTAssertEqual(message(server + "storage: {type: directory, path: /b, symlinks: try-secure}\n"),
                       "/etc/tbot.yaml: unknown field \"storage.symlinks\"")
    }

    func testUnknownOutputKeyIsNamed() {
        XCTAssertEqual(message(server + storage + "services:\n  - type: identity\n    destination: {type: directory, path: /o}\n    roles: [a]\n"),
                       "/etc/tbot.yaml: unknown field \"services[0].roles\"")
    }

    func testBothAuthAndProxyServerAreRejected() {
        XCTAssertEqual(message("version: v2\nauth_server: a:3025\nproxy_server: p:443\n" + storage),
                       "/etc/tbot.yaml: auth_server and proxy_server are both set: only one of auth or proxy server should be set")
    }

    func testNoServerIsRejected() {
        let text = message("version: v2\n" + storage)
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: no auth or proxy servers set"), text)
    }

    func testMissingStorageIsRejected() {
        XCTAssertEqual(message(server),
                       "/etc/tbot.yaml: field \"storage\": missing: set storage: {type: directory, path: /var/lib/teleport/bot}")
    }

    func testMemoryStorageIsRejectedClearly() {
        let text = message(server + "storage: {type: memory}\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: field \"storage.type\": type \"memory\" is not supported"), text)
        XCTAssertTrue(text.contains("supported types: directory"), text)
    }

    func testStorageWithoutPathIsRejected() {
        XCTAssertEqual(message(server + "storage: {type: directory}\n"),
                       "/etc/tbot.yaml: field \"storage.path\": missing: a directory needs a path")
    }

    func testUnsupportedOutputTypeListsTheSupportedOne() {
        XCTAssertEqual(message(server + storage + "services:\n  - type: application\n    app_name: grafana\n"),
                       "/etc/tbot.yaml: field \"services[0].type\": output type \"application\" is not supported; supported output types: identity")
    }

    func testOutputWithoutDestinationIsRejected() {
        let text = message(server + storage + "outputs:\n  - type: identity\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: field \"outputs[0].destination\": missing"), text)
    }

    func testOutputWithMemoryDestinationIsRejected() {
        let text = message(server + storage + "outputs:\n  - type: identity\n    destination: {type: memory}\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: field \"outputs[0].destination.type\": type \"memory\" is not supported"), text)
    }

    func testUnitlessDurationIsRejected() {
        let text = message(server + storage + "certificate_ttl: 60\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: field \"certificate_ttl\": invalid duration \"60\""), text)
    }

    func testRenewalIntervalMustBeShorterThanTheTTL() {
        let text = message(server + storage + "certificate_ttl: 30m\nrenewal_interval: 30m\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: renewal_interval (30m0s) must be shorter than certificate_ttl (30m0s)"), text)
    }

    func testDefaultRenewalIntervalMustAlsoFitUnderAShortTTL() {
        XCTAssertTrue(message(server + storage + "certificate_ttl: 10m\n").contains("must be shorter than certificate_ttl"))
    }

    func testZeroTTLIsRejected() {
        XCTAssertEqual(message(server + storage + "certificate_ttl: 0s\n"), "/etc/tbot.yaml: certificate_ttl must be positive")
    }

    func testBothRegistrationSecretFieldsAreRejectedWithoutEchoingTheSecret() {
        let text = message(server + storage + """
            onboarding:
              bound_keypair:
                registration_secret: do-not-print-this-secret
                registration_secret_path: /etc/secret
            """)
        XCTAssertEqual(text, "/etc/tbot.yaml: onboarding.bound_keypair: " +
            "only one of 'registration_secret' and 'registration_secret_path' may be set")
        XCTAssertFalse(text.contains("do-not-print-this-secret"))
    }

    func testAStaticKeyAndARegistrationSecretAreNotBothSet() {
        let text = message(server + storage + "onboarding:\n  bound_keypair:\n    registration_secret: do-not-print-this-secret\n"
            + "    static_private_key_path: /etc/bot.key\n")
        XCTAssertTrue(text.hasSuffix("only one of 'registration_secret' and 'static_private_key_path' may be set"), text)
        XCTAssertFalse(text.contains("do-not-print-this-secret"))
    }

    func testInvalidCAPinNamesTheField() {
        let text = message(server + storage + "onboarding:\n  ca_pins: [\"md5:abc\"]\n")
        XCTAssertTrue(text.hasPrefix("/etc/tbot.yaml: field \"onboarding.ca_pins\""), text)
        XCTAssertTrue(text.contains("sha256"), text)
    }

    func testWrongTypeNamesTheField() {
        XCTAssertEqual(message(server + storage + "onboarding:\n  token: [a, b]\n"),
                       "/etc/tbot.yaml: field \"onboarding.token\": expected a string")
    }

    func testYAMLSyntaxErrorNamesTheLine() {
        XCTAssertTrue(message("version: v2\nstorage: {type: directory\n").contains("invalid YAML"))
    }

    func testNonMapTopLevelIsRejected() {
        XCTAssertTrue(message("- version: v2\n").contains("expected a map of settings at the top level"))
    }

    func testUnparsableServerAddressNamesTheField() throws {
        let config = try TbotConfig.parse(yaml: "version: v2\nproxy_server: ftp://p\n" + storage, fileName: file)
        XCTAssertThrowsError(try config.serverAddress()) { error in
            XCTAssertTrue(((error as? JoinError)?.message ?? "").hasPrefix("/etc/tbot.yaml: proxy_server: "), "\(error)")
        }
    }
}
