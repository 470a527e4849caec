import Foundation
import JoinCore
@testable import SSHService
import TestSupport
import XCTest

/// The certificate checks on their own, for certificates OpenSSH's client would not even offer
/// (it keeps host certificates to itself), made with the real ssh-keygen.
final class UserCertificateChecksTests: XCTestCase {
    private var bed: SSHTestBed!

    override func setUp() async throws {
        bed = try SSHTestBed()
    }

    override func tearDown() async throws {
        await bed.tearDown()
    }

    private func certificate(_ key: String) throws -> SSHCertificate {
        try SSHCertificate(authorizedKey: String(contentsOfFile: key + "-cert.pub", encoding: .utf8))
    }

    private func checks() throws -> UserCertificateChecks {
        UserCertificateChecks(trustedCAKeys: [try SSHPublicKey(authorizedKey: String(contentsOfFile: bed.userCA + ".pub", encoding: .utf8))])
    }

    func testHostCertificateIsRefusedAsAUserCertificate() throws {
        let key = try bed.userKey("node", ca: nil)
        let signed = try Command.run("/usr/bin/ssh-keygen", ["-q", "-s", bed.userCA, "-h", "-I", "node", "-n", "root", "-V", "-5m:+1h", key + ".pub"], timeout: 30)
        XCTAssertEqual(signed.status, 0, signed.combined)
        XCTAssertThrowsError(try checks().check(try certificate(key), login: "root", at: Date())) { error in
            XCTAssertEqual((error as? LoginRefusal)?.reason, "the certificate is a host certificate, not a user certificate")
            XCTAssertEqual((error as? LoginRefusal)?.user, "node")
        }
    }

    func testCertificateWithoutPrincipalsIsRefused() throws {
        let key = try bed.userKey("anyone", ca: nil)
        let signed = try Command.run("/usr/bin/ssh-keygen", ["-q", "-s", bed.userCA, "-I", "alice", "-V", "-5m:+1h", key + ".pub"], timeout: 30)
        XCTAssertEqual(signed.status, 0, signed.combined)
        XCTAssertEqual(try certificate(key).principals, [])
        XCTAssertThrowsError(try checks().check(try certificate(key), login: "root", at: Date())) { error in
            XCTAssertEqual((error as? LoginRefusal)?.reason, "login root is not among the certificate's principals ()")
        }
    }

    func testValidUserCertificatePasses() throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        XCTAssertNoThrow(try checks().check(try certificate(key), login: "root", at: Date()))
    }

    func testTamperedCertificateSignatureIsRefused() throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        var blob = try certificate(key).wireBytes
        // The blob ends with the Ed25519 signature: flip its last bit.
        blob[blob.count - 1] ^= 0x01
        let tampered = try SSHCertificate(wireBytes: blob)
        XCTAssertThrowsError(try checks().check(tampered, login: "root", at: Date())) { error in
            XCTAssertEqual((error as? LoginRefusal)?.reason, "the certificate's CA signature does not verify")
        }
    }

    func testTeleportRolesExtensionIsParsedAndMalformedOnesRefused() throws {
        XCTAssertEqual(try TeleportRolesExtension.roles(inExtensionValue: #"{"version":"v1","roles":["access","editor"]}"#), ["access", "editor"])
        XCTAssertEqual(try TeleportRolesExtension.roles(inExtensionValue: nil), [])
        XCTAssertThrowsError(try TeleportRolesExtension.roles(inExtensionValue: "access"))
        XCTAssertThrowsError(try TeleportRolesExtension.roles(inExtensionValue: #"{"version":"v2","roles":[]}"#))
    }

    func testOnlyLangAndLCVariablesAreAccepted() {
        var environment = SessionEnvironment()
        XCTAssertTrue(environment.accept(name: "LANG", value: "C.UTF-8"))
        XCTAssertTrue(environment.accept(name: "LC_ALL", value: "C"))
        XCTAssertFalse(environment.accept(name: "LD_PRELOAD", value: "/tmp/evil.so"))
        XCTAssertFalse(environment.accept(name: "PATH", value: "/tmp"))
        XCTAssertFalse(environment.accept(name: "LANGUAGE", value: "de"))
    }
}
