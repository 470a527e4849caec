import CLISupport
import JoinCore
import XCTest

/// `join_plugins` (both sides) and `proxy_service.https_keypairs`: well-formed entries are
/// read; every malformed one is refused with the file and the reason, before anything starts.
final class JoinPluginAndProxyConfigTests: XCTestCase {
    private let file = "/etc/teleport.yaml"
    private let digest = String(repeating: "ab", count: 32)

    private func parse(_ yaml: String) throws -> FileConfig {
        try FileConfig.parse(yaml: yaml, fileName: file, pluginAuthServiceKeys: [])
    }

    private func refusal(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(yaml)
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

    private func authPlugin(_ entry: String) -> String {
        "version: v3\nauth_service:\n  enabled: yes\n  join_plugins:\n    - " + entry.replacingOccurrences(of: "\n", with: "\n      ") + "\n"
    }

    func testWellFormedEntriesAreReadOnBothSides() throws {
        let server = try parse(authPlugin("""
            name: x509pop
            command: /usr/lib/joinery/plugins/x509pop
            sha256: \(digest.uppercased())
            config: {ca_bundle_path: /etc/ca.pem}
            call_timeout: 500ms
            """))
        let spec = try XCTUnwrap(server.authService.joinPlugins.first?.spec)
        XCTAssertEqual(spec.name, "x509pop")
        XCTAssertEqual(spec.sha256, digest, "the digest is kept in lower case")
        XCTAssertEqual(spec.settings["ca_bundle_path"]?.stringValue, "/etc/ca.pem")
        XCTAssertEqual(spec.callTimeout, .milliseconds(500))

        let client = try parse("version: v3\nteleport:\n  join_plugins:\n    - {name: x509pop, command: /opt/x509pop, sha256: \(digest)}\n")
        XCTAssertEqual(client.teleport.joinPlugins.first?.spec.callTimeout, .seconds(10))
    }

    func testMalformedPluginEntriesAreRefusedWithTheirReason() {
        let cases: [(String, String)] = [
            ("name: x509pop\ncommand: /opt/x\n", "needs sha256"),
            ("command: /opt/x\nsha256: \(digest)\n", "needs name"),
            ("name: X509Pop\ncommand: /opt/x\nsha256: \(digest)\n", "lower-case"),
            ("name: x509pop\ncommand: plugins/x509pop\nsha256: \(digest)\n", "absolute path"),
            ("name: x509pop\ncommand: /opt/x\nsha256: abc123\n", "64 hex digits"),
            ("name: x509pop\ncommand: /opt/x\nsha256: \(String(repeating: "z", count: 64))\n", "64 hex digits"),
            ("name: x509pop\ncommand: /opt/x\nsha256: \(digest)\ncall_timeout: 10\n", "call_timeout"),
            ("name: x509pop\ncommand: /opt/x\nsha256: \(digest)\ncall_timeout: 1h\n", "call_timeout"),
            ("name: x509pop\ncommand: /opt/x\nsha256: \(digest)\nchecksum: \(digest)\n", "checksum"),
            ("name: \(String(repeating: "a", count: 65))\ncommand: /opt/x\nsha256: \(digest)\n", "1-64"),
        ]
        for (entry, expected) in cases {
            let message = refusal(authPlugin(entry))
            XCTAssertTrue(message.contains(expected), "\(entry): \(message)")
        }
    }

    func testHTTPSKeyPairsNeedBothFiles() throws {
        let read = try parse("version: v3\nproxy_service:\n  https_keypairs:\n    - {key_file: /k.pem, cert_file: /c.pem}\n")
        XCTAssertEqual(read.proxyService.httpsKeyPairs, [.init(keyFile: "/k.pem", certFile: "/c.pem")])
        XCTAssertTrue(refusal("version: v3\nproxy_service:\n  https_keypairs:\n    - {key_file: /k.pem}\n")
            .contains("needs both key_file and cert_file"))
        XCTAssertTrue(refusal("version: v3\nproxy_service:\n  https_keypairs:\n    - {key_file: /k.pem, cert_file: /c.pem, chain: x}\n")
            .contains("chain"))
    }
}
