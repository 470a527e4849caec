import CLIKit
import CLISupport
import JoinCore
import XCTest

/// Defaults, lenient booleans and the fields' shapes.
final class FileConfigFieldsTests: XCTestCase {
    private let pin = "sha256:" + String(repeating: "ab", count: 32)
    private let otherPin = "sha256:" + String(repeating: "cd", count: 32)

    func testDefaultsApplyToAMinimalFile() throws {
        let config = try FileConfig.parse(yaml: "version: v3\n")
        XCTAssertEqual(config.version, .v3)
        XCTAssertEqual(config.teleport.dataDir, "/var/lib/teleport")
        XCTAssertNil(config.teleport.nodeName)
        XCTAssertEqual(config.joinMethod, "token")
        XCTAssertEqual(config.teleport.log, LogConfig(output: .standardError, severity: .info, format: .text))
        XCTAssertEqual(config.teleport.storage.type, .sqlite)
        XCTAssertEqual(config.authService.listenAddr, "0.0.0.0:3025")
        XCTAssertEqual(config.authService.joinRateLimit, JoinRateLimitConfig(average: 10, burst: 100))
        XCTAssertNil(config.authService.joinMethods)
        XCTAssertEqual(config.sshService.listenAddr, "0.0.0.0:3022")
        XCTAssertEqual(config.proxyService.webListenAddr, "0.0.0.0:3080")
        XCTAssertFalse(config.authService.isConfigured)
    }

    func testEmptyFileGivesDefaults() throws {
        let config = try FileConfig.parse(yaml: "# only a comment\n")
        XCTAssertEqual(config.version, .v1)
        XCTAssertEqual(config.teleport.dataDir, "/var/lib/teleport")
    }

    func testLenientBoolsAcceptEverySpelling() throws {
        let cases: [(String, Bool)] = [
            ("yes", true), ("\"yes\"", true), ("no", false), ("\"no\"", false), ("true", true),
            ("false", false), ("on", true), ("'off'", false), ("\"ON\"", true), ("True", true), ("NO", false),
        ]
        for (written, expected) in cases {
            let config = try FileConfig.parse(yaml: "version: v3\nauth_service:\n  enabled: \(written)\n")
            XCTAssertEqual(config.authService.enabled, expected, "enabled: \(written)")
        }
    }

    func testSectionWithoutEnabledIsEnabled() throws {
        let config = try FileConfig.parse(yaml: "version: v3\nssh_service:\n  labels:\n    env: prod\n")
        XCTAssertTrue(config.sshService.isConfigured)
        XCTAssertTrue(config.sshService.enabled)
        XCTAssertEqual(config.sshService.labels, ["env": "prod"])
    }

    func testCAPinAsStringOrList() throws {
        let single = try FileConfig.parse(yaml: "version: v3\nteleport:\n  ca_pin: \"\(pin)\"\n")
        XCTAssertEqual(single.teleport.caPins.map(\.description), [pin])
        let list = try FileConfig.parse(yaml: "version: v3\nteleport:\n  ca_pin:\n    - \(pin)\n    - \(otherPin)\n")
        XCTAssertEqual(list.teleport.caPins.map(\.description), [pin, otherPin])
        let empty = try FileConfig.parse(yaml: "version: v3\nteleport:\n  ca_pin: \"\"\n")
        XCTAssertEqual(empty.teleport.caPins, [])
    }

    func testFullAgentConfigIsRead() throws {
        let config = try FileConfig.parse(yaml: """
            version: v3
            teleport:
              nodename: node-1
              data_dir: /srv/teleport
              join_params:
                token_name: /var/run/secrets/token
                method: ec2
                azure:
                  client_id: abc
              proxy_server: teleport.example.com:443
              log:
                output: stdout
                severity: debug
                format:
                  output: json
              storage:
                type: sqlite
                path: /srv/db
            ssh_service:
              enabled: "yes"
              labels:
                env: prod
                tier: 1
              public_addr: [node-1.example.com:3022]
            auth_service:
              enabled: no
            proxy_service:
              enabled: no
            """)
        XCTAssertEqual(config.teleport.nodeName, "node-1")
        XCTAssertEqual(config.teleport.dataDir, "/srv/teleport")
        XCTAssertEqual(config.joinMethod, "ec2")
        XCTAssertEqual(config.joinTokenSetting, "/var/run/secrets/token")
        XCTAssertEqual(config.teleport.joinParams?.pluginParameters["azure"], .object(["client_id": .string("abc")]))
        XCTAssertEqual(config.teleport.joinParams?.method, "ec2")
        XCTAssertEqual(config.teleport.proxyServer, "teleport.example.com:443")
        XCTAssertEqual(config.teleport.log, LogConfig(output: .standardOutput, severity: .debug, format: .json))
        XCTAssertEqual(config.teleport.storage, StorageConfig(type: .sqlite, path: "/srv/db"))
        XCTAssertEqual(config.sshService.labels, ["env": "prod", "tier": "1"])
        XCTAssertEqual(config.sshService.publicAddr, ["node-1.example.com:3022"])
        XCTAssertFalse(config.authService.enabled)
        XCTAssertFalse(config.proxyService.enabled)
    }

    func testAuthServiceFieldsAreRead() throws {
        let config = try FileConfig.parse(yaml: """
            version: v3
            auth_service:
              enabled: true
              cluster_name: teleport.example.com
              listen_addr: 127.0.0.1:3025
              join_methods: [token, static]
              join_rate_limit:
                average: 2.5
                burst: 20
              public_addr: auth.example.com:3025
            """)
        XCTAssertEqual(config.authService.clusterName, "teleport.example.com")
        XCTAssertEqual(config.authService.listenAddr, "127.0.0.1:3025")
        XCTAssertEqual(config.authService.joinMethods, ["token", "static"])
        XCTAssertEqual(config.authService.joinRateLimit, JoinRateLimitConfig(average: 2.5, burst: 20))
        XCTAssertEqual(config.authService.publicAddr, ["auth.example.com:3025"])
        XCTAssertEqual(config.authServiceRaw["cluster_name"], .string("teleport.example.com"))
    }

    func testLegacyAuthTokenIsTheJoinToken() throws {
        let config = try FileConfig.parse(yaml: "version: v3\nteleport:\n  auth_token: abc123\n")
        XCTAssertEqual(config.joinTokenSetting, "abc123")
        XCTAssertEqual(try config.resolvedJoinToken(), "abc123")
    }

    func testZeroRateLimitIsRejected() {
        XCTAssertThrowsError(try FileConfig.parse(yaml: "version: v3\nauth_service:\n  join_rate_limit:\n    burst: 0\n")) {
            XCTAssertTrue(($0 as? JoinError)?.message.contains("auth_service.join_rate_limit.burst") ?? false)
        }
    }

    func testMaxConcurrentJoinStreamsIsReadAndDefaultsTo64() throws {
        let config = try FileConfig.parse(yaml: "version: v3\nauth_service:\n  join_rate_limit:\n    max_concurrent: 8\n")
        XCTAssertEqual(config.authService.joinRateLimit, JoinRateLimitConfig(maxConcurrent: 8))
        let defaults = try FileConfig.parse(yaml: "version: v3\nauth_service:\n  join_rate_limit:\n    burst: 20\n")
        XCTAssertEqual(defaults.authService.joinRateLimit.maxConcurrent, 64)
    }

    func testZeroMaxConcurrentIsRejected() {
        XCTAssertThrowsError(try FileConfig.parse(yaml: "version: v3\nauth_service:\n  join_rate_limit:\n    max_concurrent: 0\n")) {
            XCTAssertEqual(($0 as? JoinError)?.message,
                           "teleport.yaml: field \"auth_service.join_rate_limit.max_concurrent\": must be at least 1")
        }
    }
}
