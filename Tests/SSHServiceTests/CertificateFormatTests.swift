import Crypto
import Foundation
import JoinCore
import NIOSSH
import SSHService
import TestSupport
import XCTest

/// The key and certificate formats the SSH Service reads agree with what OpenSSH writes.
final class CertificateFormatTests: XCTestCase {
    private var bed: SSHTestBed!

    override func setUp() async throws {
        bed = try SSHTestBed()
    }

    override func tearDown() async throws {
        await bed.tearDown()
    }

    func testTeleportRolesExtensionReadsTheSameThroughNIOSSHAndJoinCore() throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let line = try String(contentsOfFile: key + "-cert.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let nio = try XCTUnwrap(NIOSSHCertifiedPublicKey(try NIOSSHPublicKey(openSSHPublicKey: line)))
        let joinCore = try SSHCertificate(authorizedKey: line)
        XCTAssertEqual(nio.extensions["teleport-roles"], SSHTestBed.teleportRoles)
        XCTAssertEqual(joinCore.extensionValue("teleport-roles"), SSHTestBed.teleportRoles)
        XCTAssertEqual(nio.extensions["permit-pty"], "")
        // What the server converts NIOSSH's key back into is the blob OpenSSH wrote.
        XCTAssertEqual(try SSHCertificate(authorizedKey: String(openSSHPublicKey: NIOSSHPublicKey(nio))), joinCore)
    }

    func testJoinCoreEncodedHostKeyLoadsWithTheSamePublicKey() throws {
        let key = Curve25519.Signing.PrivateKey()
        let loaded = try SSHHostKeyLoader.load(openSSHPrivateKey: OpenSSHPrivateKeyFile.encode(key))
        XCTAssertEqual(String(openSSHPublicKey: loaded.publicKey), SSHPublicKey(key.publicKey).authorizedKey)
    }

    func testSSHKeygenHostKeyLoadsWithTheSamePublicKey() throws {
        let path = bed.directory.appendingPathComponent("host").path
        try SSHTestBed.keygen(path)
        let loaded = try SSHHostKeyLoader.load(openSSHPrivateKey: String(contentsOfFile: path, encoding: .utf8))
        let expected = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        XCTAssertEqual(String(openSSHPublicKey: loaded.publicKey), expected)
    }

    func testEncryptedHostKeyIsRefused() throws {
        let path = bed.directory.appendingPathComponent("encrypted").path
        let result = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret-passphrase", "-f", path], timeout: 30)
        XCTAssertEqual(result.status, 0)
        XCTAssertThrowsError(try SSHHostKeyLoader.load(openSSHPrivateKey: String(contentsOfFile: path, encoding: .utf8)))
    }
}
