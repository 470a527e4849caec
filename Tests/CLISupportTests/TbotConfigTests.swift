import BoundKeypairJoin
import CLIKit
import CLISupport
import Foundation
import JoinCore
import Transport
import XCTest

/// tbot.yaml as the bound-keypair seed guide writes it, and the settings it yields.
final class TbotConfigTests: XCTestCase {
    /// The guide's first tbot.yaml (registration secret, `services: []`), address substituted.
    static let seedWithRegistrationSecret = """
        version: v2
        proxy_server: 127.0.0.1:3025
        onboarding:
          join_method: bound_keypair
          token: example
          bound_keypair:
            registration_secret: SECRET
        storage:
          type: directory
          path: /var/lib/teleport/bot
        # 서비스는 접근 가이드 완료 중에 채워집니다.
        services: []
        """

    /// The guide's second tbot.yaml (pre-registered key, legacy `outputs: []`), address substituted.
    static let seedWithPreregisteredKey = """
        version: v2
        proxy_server: 127.0.0.1:3025
        onboarding:
          join_method: bound_keypair
          token: example
        storage:
          type: directory
          path: /var/lib/teleport/bot
        # 출력은 접근 가이드 완료 중에 채워집니다.
        outputs: []
        """

    func testSeedConfigWithRegistrationSecretParses() throws {
        let config = try TbotConfig.parse(yaml: Self.seedWithRegistrationSecret, fileName: "/etc/tbot.yaml")
        XCTAssertEqual(config.proxyServer, "127.0.0.1:3025")
        XCTAssertNil(config.authServer)
        XCTAssertEqual(config.onboarding.joinMethod, "bound_keypair")
        XCTAssertEqual(config.onboarding.token, "example")
        XCTAssertEqual(config.onboarding.methodSections["bound_keypair"]?["registration_secret"], .string("SECRET"))
        XCTAssertEqual(config.storage.path, "/var/lib/teleport/bot")
        XCTAssertEqual(config.outputs, [])
        XCTAssertFalse(config.oneshot)
        XCTAssertEqual(try config.presentedRegistrationSecret(environment: [:]), "SECRET")
        XCTAssertEqual(try config.serverAddress(), AuthAddress(host: "127.0.0.1", port: 3025))
    }

    func testSeedConfigWithPreregisteredKeyParsesWithoutASecret() throws {
        let config = try TbotConfig.parse(yaml: Self.seedWithPreregisteredKey)
        XCTAssertEqual(config.onboarding.token, "example")
        XCTAssertNil(config.onboarding.methodSections["bound_keypair"])
        XCTAssertNil(try config.presentedRegistrationSecret(environment: [:]))
        XCTAssertEqual(config.outputs, [])
    }

    func testSeedOneshotSnippetWithAuthServerParses() throws {
        let config = try TbotConfig.parse(yaml: """
            version: v2
            oneshot: true
            auth_server: 127.0.0.1:3025
            storage:
              type: directory
              path: /tmp/bot
            """)
        XCTAssertTrue(config.oneshot)
        XCTAssertEqual(config.authServer, "127.0.0.1:3025")
        XCTAssertEqual(try config.serverAddress().port, 3025)
    }

    func testDefaultsAreTokenMethodOneHourTTLAndTwentyMinuteRenewal() throws {
        let config = try TbotConfig.parse(yaml: "version: v2\nauth_server: auth.example.com\nstorage: {type: directory, path: /b}\n")
        XCTAssertEqual(config.onboarding.joinMethod, "token")
        XCTAssertEqual(config.certificateTTL.seconds, 3600)
        XCTAssertEqual(config.renewalInterval.seconds, 1200)
        XCTAssertFalse(config.debug)
        XCTAssertEqual(try config.serverAddress(), AuthAddress(host: "auth.example.com", port: 3025))
    }

    func testDurationsBooleansAndPinsAreRead() throws {
        let pin = "sha256:" + String(repeating: "ab", count: 32)
        let config = try TbotConfig.parse(yaml: """
            version: v2
            auth_server: 127.0.0.1:3025
            oneshot: yes
            debug: true
            certificate_ttl: 2h
            renewal_interval: 30m
            onboarding:
              token: bot-token-value
              ca_pins: ["\(pin)"]
            storage: {type: directory, path: /b}
            """)
        XCTAssertTrue(config.oneshot)
        XCTAssertTrue(config.debug)
        XCTAssertEqual(config.certificateTTL.seconds, 7200)
        XCTAssertEqual(config.renewalInterval.seconds, 1800)
        XCTAssertEqual(config.onboarding.caPins.map(\.description), [pin])
        XCTAssertEqual(try config.resolvedCAPins().map(\.description), [pin])
    }

    func testIdentityOutputsFromServicesAndOutputsAreBothKept() throws {
        let config = try TbotConfig.parse(yaml: """
            version: v2
            auth_server: 127.0.0.1:3025
            storage: {type: directory, path: /b}
            services:
              - type: identity
                destination:
                  type: directory
                  path: /opt/machine-id
            outputs:
              - type: identity
                destination: {type: directory, path: /opt/legacy}
            """)
        XCTAssertEqual(config.outputs.map(\.destination.path), ["/opt/machine-id", "/opt/legacy"])
        XCTAssertEqual(config.outputs.map(\.kind), [.identity, .identity])
    }

    func testAConfigWithoutOutputsWarnsHowToAddOne() throws {
        let bare = try TbotConfig.parse(yaml: "version: v2\nauth_server: 127.0.0.1:3025\nstorage: {type: directory, path: /b}\n",
                                        fileName: "/etc/tbot.yaml")
        XCTAssertEqual(bare.warnings.count, 1)
        let warning = try XCTUnwrap(bare.warnings.first)
        XCTAssertTrue(warning.hasPrefix("/etc/tbot.yaml has no services or outputs"), warning)
        XCTAssertTrue(warning.contains("services: [{type: identity, destination: {type: directory, path: /opt/machine-id}}]"), warning)
        // The example in the warning is itself a valid services section.
        let fixed = try TbotConfig.parse(yaml: "version: v2\nauth_server: 127.0.0.1:3025\nstorage: {type: directory, path: /b}\n"
            + "services: [{type: identity, destination: {type: directory, path: /opt/machine-id}}]\n")
        XCTAssertEqual(fixed.warnings, [])
    }

    func testDescriptionsNeverShowTheTokenOrTheSecret() throws {
        let config = try TbotConfig.parse(yaml: """
            version: v2
            auth_server: 127.0.0.1:3025
            onboarding:
              token: 0123456789abcdef0123456789abcdef
              bound_keypair: {registration_secret: very-secret-registration-value}
            storage: {type: directory, path: /b}
            """)
        for text in [String(describing: config), String(reflecting: config), "\(config.onboarding)"] {
            XCTAssertFalse(text.contains("very-secret-registration-value"), text)
            XCTAssertFalse(text.contains("0123456789abcdef0123456789abcdef"), text)
        }
        var dumped = ""
        dump(config, to: &dumped)
        XCTAssertFalse(dumped.contains("very-secret-registration-value"), dumped)
    }

    func testLoadNamesAMissingFile() {
        XCTAssertThrowsError(try TbotConfig.load(path: "/nonexistent/tbot.yaml")) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("/nonexistent/tbot.yaml: cannot read the config file"), message)
        }
    }
}
