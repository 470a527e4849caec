import CLIKit
import JoinCore
import XCTest

/// `tbot start identity`'s flags and Teleport's environment variables, alone and over a
/// tbot.yaml, as Teleport's tbot combines them.
final class TbotFlagsTests: XCTestCase {
    private let pin = "sha256:" + String(repeating: "ab", count: 32)

    private let file = """
        version: v2
        proxy_server: proxy.example.com:443
        certificate_ttl: 2h
        renewal_interval: 30m
        onboarding:
          join_method: gitlab
          token: gitlab-bot
          gitlab:
            token_env_var_name: MY_JWT
        storage:
          type: directory
          path: /var/lib/bot
        services:
          - type: identity
            destination:
              type: directory
              path: /opt/machine-id
        """

    func testACIGuidesCommandLineNeedsNoConfigFile() throws {
        var flags = TbotFlags()
        flags.joinMethod = "github"
        flags.token = "github-token"
        flags.proxyServer = "teleport.example.com:443"
        flags.destination = "./tbot-user"
        flags.oneshot = true
        let (config, warnings) = try flags.apply(to: nil)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(config.proxyServer, "teleport.example.com:443")
        XCTAssertNil(config.authServer)
        XCTAssertEqual(config.onboarding.joinMethod, "github")
        XCTAssertEqual(config.onboarding.token, "github-token")
        XCTAssertEqual(config.outputs, [TbotOutput(kind: .identity, destination: DirectoryDestination(path: "./tbot-user"))])
        XCTAssertEqual(config.storage.path, TbotFlags.defaultStorage)
        XCTAssertTrue(config.oneshot)
        XCTAssertEqual(config.certificateTTL, TbotConfig.defaultCertificateTTL)
    }

    func testTeleportsVariablesFillWhatNoFlagGave() throws {
        var flags = TbotFlags()
        flags.destination = "file:///tmp/out"
        flags.token = "from-flag"
        flags.fillFromEnvironment(["TELEPORT_AUTH_SERVER": "auth.example.com:3025", "TELEPORT_BOT_TOKEN": "from-env",
                                   "TELEPORT_PROXY": ""])
        let (config, _) = try flags.apply(to: nil)
        XCTAssertEqual(config.authServer, "auth.example.com:3025")
        XCTAssertNil(config.proxyServer, "an empty TELEPORT_PROXY is no proxy")
        XCTAssertEqual(config.onboarding.token, "from-flag", "a flag wins over the variable")
        XCTAssertEqual(config.outputs.first?.destination.path, "/tmp/out")
    }

    func testAServerFlagLeavesBothServerVariablesUnread() throws {
        var flags = TbotFlags()
        flags.destination = "/tmp/out"
        flags.proxyServer = "proxy.example.com:443"
        flags.fillFromEnvironment(["TELEPORT_AUTH_SERVER": "auth.example.com:3025", "TELEPORT_PROXY": "other.example.com:443"])
        let (config, _) = try flags.apply(to: nil)
        XCTAssertEqual(config.proxyServer, "proxy.example.com:443")
        XCTAssertNil(config.authServer)
    }

    func testFlagsWinOverTheFileAndSayWhatTheyReplaced() throws {
        let base = try TbotConfig.parse(yaml: file, fileName: "tbot.yaml")
        var flags = TbotFlags()
        flags.authServer = "127.0.0.1:3025"
        flags.certificateTTL = "1h"
        flags.destination = "/tmp/extra"
        let (config, warnings) = try flags.apply(to: base)
        XCTAssertEqual(config.authServer, "127.0.0.1:3025")
        XCTAssertNil(config.proxyServer, "one server: the flag's")
        XCTAssertEqual(config.certificateTTL.seconds, 3600)
        XCTAssertEqual(config.renewalInterval.seconds, 1800, "not given: the file's")
        XCTAssertEqual(config.onboarding.joinMethod, "gitlab", "no join flag: the file's onboarding, sections included")
        XCTAssertEqual(config.onboarding.methodSections["gitlab"]?["token_env_var_name"], .string("MY_JWT"))
        XCTAssertEqual(config.outputs.map(\.destination.path), ["/opt/machine-id", "/tmp/extra"])
        XCTAssertEqual(warnings, [
            "CLI parameters are overriding configuration: --auth-server=127.0.0.1:3025 replaces the value in tbot.yaml",
            "CLI parameters are overriding configuration: --certificate-ttl=1h replaces the value in tbot.yaml",
        ])
    }

    func testAJoinFlagReplacesTheWholeOnboardingSection() throws {
        let base = try TbotConfig.parse(yaml: file, fileName: "tbot.yaml")
        var flags = TbotFlags()
        flags.joinMethod = "circleci"
        flags.token = "circle-bot"
        flags.caPins = [pin]
        let (config, warnings) = try flags.apply(to: base)
        XCTAssertEqual(config.onboarding.joinMethod, "circleci")
        XCTAssertEqual(config.onboarding.caPins.count, 1)
        XCTAssertEqual(config.onboarding.methodSections, [:])
        XCTAssertEqual(warnings, ["CLI parameters are overriding join configuration: --token, --join-method and --ca-pin replace the onboarding section of tbot.yaml"])
    }

    func testBadFlagsAreRefusedNamingTheFlag() throws {
        var flags = TbotFlags()
        flags.destination = "/tmp/out"
        XCTAssertThrowsError(try flags.apply(to: nil)) { error in
            XCTAssertEqual((error as? JoinError)?.message, "no auth or proxy server: pass --proxy-server (or --auth-server), or set TELEPORT_PROXY")
        }
        flags.proxyServer = "proxy.example.com:443"
        flags.caPins = ["md5:abc"]
        XCTAssertThrowsError(try flags.apply(to: nil)) { error in
            XCTAssertTrue((error as? JoinError)?.message.hasPrefix("--ca-pin: ") == true, "\(error)")
        }
        flags.caPins = []
        flags.renewalInterval = "2h"
        XCTAssertThrowsError(try flags.apply(to: nil)) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("renewal_interval (2h0m0s) must be shorter than certificate_ttl (1h0m0s)") == true, "\(error)")
        }
        flags.renewalInterval = "soon"
        XCTAssertThrowsError(try flags.apply(to: nil)) { error in
            XCTAssertTrue((error as? JoinError)?.message.hasPrefix("--renewal-interval: ") == true, "\(error)")
        }
        flags.renewalInterval = nil
        flags.destination = "s3://bucket/out"
        XCTAssertThrowsError(try flags.apply(to: nil)) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("only directories are supported") == true, "\(error)")
        }
    }
}
