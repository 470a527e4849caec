import CLIKit
import CLISupport
import JoinCore
import XCTest

/// `env:`, `pass_env:` and `run_as:` of a `join_plugins` entry (teleport.yaml on both sides and
/// tbot.yaml): well-formed values are read; every malformed one is refused with the file and
/// the reason before anything starts; unknown keys stay errors.
final class JoinPluginIsolationConfigTests: XCTestCase {
    private let file = "/etc/teleport.yaml"
    private let digest = String(repeating: "ab", count: 32)
    private var base: String { "name: x509pop\ncommand: /opt/x509pop\nsha256: \(digest)\n" }

    private func authPlugin(_ entry: String) -> String {
        "version: v3\nauth_service:\n  enabled: yes\n  join_plugins:\n    - " + entry.replacingOccurrences(of: "\n", with: "\n      ") + "\n"
    }

    private func refusal(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try FileConfig.parse(yaml: yaml, fileName: self.file, pluginAuthServiceKeys: [])
            XCTFail("expected the config to be rejected", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("/etc/teleport.yaml: "), error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }

    func testEnvPassEnvAndRunAsAreRead() throws {
        let config = try FileConfig.parse(yaml: authPlugin(base + """
            env: {AWS_REGION: eu-west-1, RETRIES: 3}
            pass_env: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ACCESS_KEY_ID]
            run_as: joinery-plugin
            """), fileName: file, pluginAuthServiceKeys: [])
        let spec = try XCTUnwrap(config.authService.joinPlugins.first?.spec)
        XCTAssertEqual(spec.environment, ["AWS_REGION": "eu-west-1", "RETRIES": "3"])
        XCTAssertEqual(spec.passEnvironment, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], "duplicates are dropped")
        XCTAssertEqual(spec.runAs, "joinery-plugin")
    }

    func testAnEntryWithoutThemPassesNothingAndKeepsTheHostsUser() throws {
        let config = try FileConfig.parse(yaml: authPlugin(base), fileName: file, pluginAuthServiceKeys: [])
        let spec = try XCTUnwrap(config.authService.joinPlugins.first?.spec)
        XCTAssertEqual(spec.environment, [:])
        XCTAssertEqual(spec.passEnvironment, [])
        XCTAssertNil(spec.runAs)
    }

    func testTheJoiningSideAndTbotTakeTheSameKeys() throws {
        let entry = "{name: x509pop, command: /opt/x, sha256: \(digest), run_as: nobody, pass_env: [HTTPS_PROXY]}"
        let node = try FileConfig.parse(yaml: "version: v3\nteleport:\n  join_plugins:\n    - \(entry)\n", fileName: file,
                                        pluginAuthServiceKeys: [])
        XCTAssertEqual(node.teleport.joinPlugins.first?.spec.runAs, "nobody")
        let bot = try TbotConfig.parse(yaml: "version: v2\nauth_server: 127.0.0.1:3025\nstorage: {type: directory, path: /var/lib/bot}\n"
                                       + "join_plugins:\n  - \(entry)\n", fileName: "/etc/tbot.yaml")
        XCTAssertEqual(bot.joinPlugins.first?.spec.passEnvironment, ["HTTPS_PROXY"])
    }

    func testMalformedEnvEntriesAreRefusedWithTheirReason() {
        let cases: [(String, String)] = [
            ("env: [AWS_REGION]\n", "env must be a map of variable names to values"),
            ("env: eu-west-1\n", "env must be a map"),
            ("env: {1BAD: x}\n", "\"1BAD\" is not an environment variable name"),
            ("env: {\"AWS-REGION\": x}\n", "\"AWS-REGION\" is not an environment variable name"),
            ("env: {JOINERY_PLUGIN_SETTINGS: '{}'}\n", "JOINERY_PLUGIN_SETTINGS is set by Joinery itself; put the plugin's settings under config:"),
            ("env: {AWS_REGION: {nested: map}}\n", "env must be a map"),
            ("pass_env: AWS_ACCESS_KEY_ID\n", "pass_env must be a list of variable names"),
            ("pass_env: [\"AWS KEY\"]\n", "\"AWS KEY\" is not an environment variable name"),
            ("pass_env: [joinery_plugin_data_dir]\n", "is set by Joinery itself"),
            ("env: {HTTPS_PROXY: http://p:3128}\npass_env: [HTTPS_PROXY]\n", "HTTPS_PROXY is both in env: and pass_env:; keep one"),
            ("environment: {AWS_REGION: x}\n", "environment"),
        ]
        for (extra, expected) in cases {
            let message = refusal(authPlugin(base + extra))
            XCTAssertTrue(message.contains(expected), "\(extra): \(message)")
        }
    }

    func testMalformedRunAsIsRefusedWithTheReason() {
        let cases: [(String, String)] = [
            ("run_as: ''\n", "run_as must be a user name"),
            ("run_as: 'plugin user'\n", "run_as must be a user name (up to 32 letters, digits, '.', '_' or '-'), got \"plugin user\""),
            ("run_as: -root\n", "got \"-root\""),
            ("run_as: [nobody]\n", "run_as must be a user name"),
            ("run_as: \(String(repeating: "u", count: 33))\n", "up to 32"),
            ("runas: nobody\n", "runas"),
        ]
        for (extra, expected) in cases {
            let message = refusal(authPlugin(base + extra))
            XCTAssertTrue(message.contains(expected), "\(extra): \(message)")
        }
    }
}
