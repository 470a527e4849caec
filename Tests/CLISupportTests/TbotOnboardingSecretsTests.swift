import BoundKeypairJoin
import CLIKit
import CLISupport
import Foundation
import JoinCore
import Server
import X509
import XCTest

/// Where tbot finds its onboarding secrets and trust (spec §8.9): the registration secret's
/// precedence, tokens in files, and CA pins from a PEM file.
final class TbotOnboardingSecretsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tbot-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func config(onboarding: String) throws -> TbotConfig {
        try TbotConfig.parse(yaml: """
            version: v2
            auth_server: 127.0.0.1:3025
            storage: {type: directory, path: \(directory.path)/storage}
            onboarding:
            \(onboarding)
            """, fileName: "/etc/tbot.yaml")
    }

    private func file(_ name: String, _ contents: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSecretPathWinsOverTheEnvironmentAndIsTrimmed() throws {
        let path = try file("secret", "  from-file-secret\n")
        let config = try config(onboarding: "  bound_keypair: {registration_secret_path: \(path)}")
        XCTAssertEqual(try config.presentedRegistrationSecret(environment: ["TBOT_REGISTRATION_SECRET": "from-env"]), "from-file-secret")
    }

    func testInlineSecretWinsOverTheEnvironment() throws {
        let config = try config(onboarding: "  bound_keypair: {registration_secret: inline-secret}")
        XCTAssertEqual(try config.presentedRegistrationSecret(environment: ["TBOT_REGISTRATION_SECRET": "from-env"]), "inline-secret")
    }

    /// YAML reads an unquoted all-digit secret as a number; it is the secret all the same, and
    /// one a number would change (a leading zero, twenty digits) keeps its text.
    func testUnquotedNumericSecretsAreTheirText() throws {
        XCTAssertEqual(try config(onboarding: "  bound_keypair: {registration_secret: 123456}").presentedRegistrationSecret(environment: [:]),
                       "123456")
        XCTAssertEqual(try config(onboarding: "  bound_keypair: {registration_secret: 0123456789012345678901}")
                        .presentedRegistrationSecret(environment: [:]), "0123456789012345678901")
    }

    func testEnvironmentSecretIsUsedWhenTheFileSetsNone() throws {
        let config = try config(onboarding: "  join_method: bound_keypair")
        XCTAssertEqual(try config.presentedRegistrationSecret(environment: ["TBOT_REGISTRATION_SECRET": "from-env"]), "from-env")
        XCTAssertNil(try config.presentedRegistrationSecret(environment: ["TBOT_REGISTRATION_SECRET": ""]))
    }

    func testMissingSecretFileNamesTheFieldAndPath() throws {
        let path = directory.appendingPathComponent("absent").path
        let config = try config(onboarding: "  bound_keypair: {registration_secret_path: \(path)}")
        XCTAssertThrowsError(try config.presentedRegistrationSecret(environment: [:])) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("onboarding.bound_keypair.registration_secret_path: " +
                                            "cannot read the registration secret file \(path): no such file"), message)
        }
    }

    func testEmptySecretFileIsAnError() throws {
        let path = try file("blank", " \n")
        let config = try config(onboarding: "  bound_keypair: {registration_secret_path: \(path)}")
        XCTAssertThrowsError(try config.presentedRegistrationSecret(environment: [:])) { error in
            XCTAssertTrue(((error as? JoinError)?.message ?? "").hasSuffix("the registration secret file \(path) is empty"))
        }
    }

    func testAMalformedStaticKeyInTheEnvironmentIsRefusedAndNotEchoed() throws {
        let config = try config(onboarding: "  join_method: bound_keypair")
        XCTAssertThrowsError(try config.presentedRegistrationSecret(environment: ["TBOT_BOUND_KEYPAIR_STATIC_KEY": "c2VjcmV0LWtleQ=="])) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.contains("TBOT_BOUND_KEYPAIR_STATIC_KEY must hold a base64-encoded PEM"), message)
            XCTAssertFalse(message.contains("c2VjcmV0LWtleQ=="))
        }
    }

    func testTokenMayBeAnAbsolutePathToAFile() throws {
        let path = try file("token", "bot-token-from-file\n")
        XCTAssertEqual(try config(onboarding: "  token: \(path)").resolvedToken(), "bot-token-from-file")
        XCTAssertEqual(try config(onboarding: "  token: literal-token").resolvedToken(), "literal-token")
    }

    func testCAPathAddsThePinsOfItsCertificates() throws {
        let first = try CertificateAuthority.generate(kind: .host, clusterName: "one.example.com", now: Date())
        let second = try CertificateAuthority.generate(kind: .host, clusterName: "two.example.com", now: Date())
        let pem = try [first, second].map { try $0.tlsCertificate.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
        let path = try file("ca.pem", pem)
        let extra = "sha256:" + String(repeating: "0f", count: 32)
        let pins = try config(onboarding: "  ca_pins: [\"\(extra)\"]\n  ca_path: \(path)").resolvedCAPins()
        XCTAssertEqual(pins.map(\.description),
                       [extra, try CAPin(certificate: first.tlsCertificate).description,
                        try CAPin(certificate: second.tlsCertificate).description])
    }

    func testCAPathThatIsNotPEMIsRejected() throws {
        let path = try file("ca.txt", "not a certificate\n")
        XCTAssertThrowsError(try config(onboarding: "  ca_path: \(path)").resolvedCAPins()) { error in
            XCTAssertTrue(((error as? JoinError)?.message ?? "").hasPrefix("/etc/tbot.yaml: onboarding.ca_path: "), "\(error)")
        }
    }
}
