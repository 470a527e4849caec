import CLISupport
import Foundation
import JoinCore
import XCTest

/// What `teleport configure` and `teleport node configure` write loads back through the
/// strict parser with the same meaning.
final class ConfigWriterTests: XCTestCase {
    private let pin = "sha256:" + String(repeating: "0f", count: 32)

    func testSampleConfigEnablesAuthProxyAndSSHAndRoundTrips() throws {
        let yaml = try SampleConfigWriter.yaml(SampleConfigOptions(
            clusterName: "teleport.example.com", nodeName: "auth-1", dataDir: "/srv/teleport",
            publicAddr: "teleport.example.com:443"))
        let config = try FileConfig.parse(yaml: yaml, fileName: "out.yaml")
        XCTAssertEqual(config.version, .v3)
        XCTAssertEqual(config.teleport.nodeName, "auth-1")
        XCTAssertEqual(config.teleport.dataDir, "/srv/teleport")
        XCTAssertTrue(config.authService.enabled)
        XCTAssertTrue(config.sshService.enabled)
        XCTAssertTrue(config.proxyService.enabled)
        XCTAssertEqual(config.authService.clusterName, "teleport.example.com")
        XCTAssertEqual(config.proxyService.publicAddr, ["teleport.example.com:443"])
        XCTAssertNil(config.joinTokenSetting)
    }

    func testConfigureForANodeWritesAnEmptyCAPinLineForSed() throws {
        // The guide: teleport configure --roles=node --token=… --auth-server=… -o file,
        // then sed -i 's|  ca_pin: ""|  ca_pin: "<pin>"|' /etc/teleport.yaml
        let yaml = try SampleConfigWriter.yaml(SampleConfigOptions(
            nodeName: "node-1", roles: [.node],
            connection: AgentConnectionSettings(token: "abcdef0123456789abcdef0123456789", authServer: "10.0.0.5:3025")))
        XCTAssertTrue(yaml.contains("\n  ca_pin: \"\"\n"), yaml)
        let edited = yaml.replacingOccurrences(of: "  ca_pin: \"\"", with: "  ca_pin: \"\(pin)\"")
        let config = try FileConfig.parse(yaml: edited)
        XCTAssertEqual(config.teleport.caPins.map(\.description), [pin])
        XCTAssertEqual(config.teleport.authServer, "10.0.0.5:3025")
        XCTAssertEqual(config.joinTokenSetting, "abcdef0123456789abcdef0123456789")
        XCTAssertFalse(config.authService.enabled)
        XCTAssertFalse(config.proxyService.enabled)
        XCTAssertTrue(config.sshService.enabled)
    }

    func testConfigureRejectsBothServers() {
        XCTAssertThrowsError(try SampleConfigWriter.yaml(SampleConfigOptions(
            nodeName: "n", roles: [.node], connection: AgentConnectionSettings(authServer: "a:3025", proxyServer: "p:443"))))
    }

    func testNodeConfigureRoundTripsWithEveryFlag() throws {
        let yaml = try NodeConfigWriter.yaml(NodeConfigOptions(
            nodeName: "web-1", dataDir: "/data/teleport", labels: ["env": "prod", "team": "web ops"],
            connection: AgentConnectionSettings(token: "/run/secrets/join-token", joinMethod: "token",
                                                authServer: "auth.example.com:3025", caPins: [pin])))
        let config = try FileConfig.parse(yaml: yaml, fileName: "node.yaml")
        XCTAssertEqual(config.teleport.nodeName, "web-1")
        XCTAssertEqual(config.teleport.dataDir, "/data/teleport")
        XCTAssertEqual(config.joinTokenSetting, "/run/secrets/join-token")
        XCTAssertEqual(config.joinMethod, "token")
        XCTAssertEqual(config.teleport.authServer, "auth.example.com:3025")
        XCTAssertNil(config.teleport.proxyServer)
        XCTAssertEqual(config.teleport.caPins.map(\.description), [pin])
        XCTAssertEqual(config.sshService.labels, ["env": "prod", "team": "web ops"])
        XCTAssertTrue(config.sshService.enabled)
        XCTAssertFalse(config.authService.enabled)
        XCTAssertFalse(config.proxyService.enabled)
    }

    func testCAPathIsWrittenAsTeleportCAPath() throws {
        let connection = AgentConnectionSettings(token: "t", proxyServer: "proxy.example.com:443", caPath: "/etc/teleport/proxy-ca.pem")
        let node = try NodeConfigWriter.yaml(NodeConfigOptions(nodeName: "node-1", connection: connection))
        XCTAssertTrue(node.contains("\n  ca_path: /etc/teleport/proxy-ca.pem\n"), node)
        XCTAssertEqual(try FileConfig.parse(yaml: node).teleport.caPath, "/etc/teleport/proxy-ca.pem")
        let sample = try SampleConfigWriter.yaml(SampleConfigOptions(nodeName: "node-1", roles: [.node], connection: connection))
        XCTAssertEqual(try FileConfig.parse(yaml: sample).teleport.caPath, "/etc/teleport/proxy-ca.pem")
        XCTAssertFalse(try NodeConfigWriter.yaml(NodeConfigOptions(nodeName: "node-1")).contains("ca_path"))
    }

    func testNodeConfigureDefaultsToTheLocalProxy() throws {
        let yaml = try NodeConfigWriter.yaml(NodeConfigOptions(nodeName: "n1", connection: AgentConnectionSettings(token: "t")))
        let config = try FileConfig.parse(yaml: yaml)
        XCTAssertEqual(config.teleport.proxyServer, "0.0.0.0:3080")
        XCTAssertTrue(yaml.contains("ssh_service:\n  enabled: \"yes\""), yaml)
    }

    func testTrickyValuesSurviveTheRoundTrip() throws {
        let values = ["yes", "123", "1:30", "a: b", "#comment", "-dash", "quote\"d", "2026-01-02", "on", "null", ""]
        for value in values where !value.isEmpty {
            let yaml = try NodeConfigWriter.yaml(NodeConfigOptions(
                nodeName: value, labels: ["k": value], connection: AgentConnectionSettings(token: value)))
            let config = try FileConfig.parse(yaml: yaml)
            XCTAssertEqual(config.teleport.nodeName, value, yaml)
            XCTAssertEqual(config.sshService.labels["k"], value, yaml)
            XCTAssertEqual(config.joinTokenSetting, value, yaml)
        }
    }

    func testInvalidPinFlagIsRejectedNamingTheFlag() {
        XCTAssertThrowsError(try NodeConfigWriter.yaml(NodeConfigOptions(
            nodeName: "n", connection: AgentConnectionSettings(caPins: ["sha256:nothex"])))) { error in
            XCTAssertTrue((error as? JoinError)?.message.hasPrefix("--ca-pin") ?? false)
        }
    }

    func testOutputTargetParsing() throws {
        XCTAssertEqual(try ConfigOutputTarget(parsing: "file"), .file("/etc/teleport.yaml"))
        XCTAssertEqual(try ConfigOutputTarget(parsing: "stdout"), .standardOutput)
        XCTAssertEqual(try ConfigOutputTarget(parsing: "file:///tmp/x.yaml"), .file("/tmp/x.yaml"))
        XCTAssertEqual(try ConfigOutputTarget(parsing: "/tmp/y.yaml"), .file("/tmp/y.yaml"))
        XCTAssertThrowsError(try ConfigOutputTarget(parsing: "http://x"))
        XCTAssertThrowsError(try ConfigOutputTarget(parsing: "file://relative"))
    }

    func testWritingAFileIsPrivateAndRefusesToOverwrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("teleport.yaml").path
        let target = try ConfigOutputTarget(parsing: "file://\(path)")
        var printed = ""
        try target.write("version: v3\n") { printed += $0 }
        XCTAssertTrue(printed.contains(path))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "version: v3\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertThrowsError(try target.write("version: v3\n") { _ in }) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .alreadyExists)
        }
        try target.write("version: v2\n", overwrite: true) { _ in }
        XCTAssertEqual(try FileConfig.load(path: path, pluginAuthServiceKeys: []).version, .v2)
    }

    func testStdoutTargetPrintsTheYAML() throws {
        var printed = ""
        try ConfigOutputTarget.standardOutput.write("version: v3\n") { printed += $0 }
        XCTAssertEqual(printed, "version: v3\n")
    }

    func testLabelsFlagParsing() throws {
        XCTAssertEqual(try LabelsText.parse("env=prod,team=web"), ["env": "prod", "team": "web"])
        XCTAssertEqual(try LabelsText.parse(""), [:])
        XCTAssertThrowsError(try LabelsText.parse("env"))
        XCTAssertEqual(LabelsText.format(["b": "2", "a": "1"]), "a=1,b=2")
    }
}
