import BoundKeypairJoin
import CLIKit
import CLISupport
import Crypto
import Foundation
import JoinCore
import XCTest

/// What `tbot keypair create` prints (spec §8.10): one JSON line for scripts, instructions with
/// an example token for people, and a refusal of any other format before anything is generated.
final class TbotKeypairOutputTests: XCTestCase {
    private let key = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey)

    func testJSONIsExactlyOneLineWithThePublicKey() throws {
        let output = try KeypairOutput(parsing: "json").render(publicKey: key)
        XCTAssertEqual(output, "{\"public_key\":\"\(key.authorizedKey)\"}\n")
        XCTAssertTrue(key.authorizedKey.hasPrefix("ssh-ed25519 AAAA"))
    }

    func testTextShowsTheKeyAndAnIndentedExampleToken() throws {
        let output = try KeypairOutput(parsing: nil).render(publicKey: key)
        XCTAssertTrue(output.contains("spec.bound_keypair.onboarding.initial_public_key"), output)
        XCTAssertTrue(output.contains("\n\t\(key.authorizedKey)\n"), output)
        for line in ["\tkind: token", "\t  roles: [Bot]", "\t  bot_name: example-bot", "\t  join_method: bound_keypair",
                     "\t      initial_public_key: \"\(key.authorizedKey)\"", "\t      mode: standard", "\t      limit: 1"] {
            XCTAssertTrue(output.contains(line + "\n"), "missing \(line) in\n\(output)")
        }
    }

    func testUnsupportedFormatSaysNothingWasGenerated() {
        XCTAssertThrowsError(try KeypairOutput(parsing: "xml")) { error in
            XCTAssertEqual((error as? JoinError)?.message, "unsupported output format xml; keypair has not been generated")
        }
    }

    func testStorageAcceptsAPathOrAFileURI() throws {
        XCTAssertEqual(try DirectoryDestination(uri: "/var/lib/teleport/bot").path, "/var/lib/teleport/bot")
        XCTAssertEqual(try DirectoryDestination(uri: "file:///var/lib/teleport/bot").path, "/var/lib/teleport/bot")
        XCTAssertThrowsError(try DirectoryDestination(uri: "memory://")) { error in
            XCTAssertTrue(((error as? JoinError)?.message ?? "").contains("only directories are supported"))
        }
    }
}
