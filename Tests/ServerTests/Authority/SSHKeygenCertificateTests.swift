import Crypto
import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// `ssh-keygen` (OpenSSH's own parser, which also checks the CA signature) reads what we write.
final class SSHKeygenCertificateTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory()
    }

    override func tearDown() {
        scratch?.remove()
    }

    /// The lines under `Principals:` in `ssh-keygen -L` output.
    private func principals(in listing: String) -> [String] {
        let lines = listing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Principals:") }),
              let end = lines.firstIndex(where: { $0.hasPrefix("Critical Options:") }) else { return [] }
        return Array(lines[(start + 1)..<end])
    }

    private func listCertificate(_ certificate: SSHCertificate) throws -> String {
        let path = try scratch.write(certificate.authorizedKey + "\n", to: "key-cert.pub")
        let output = try Command.run("/usr/bin/ssh-keygen", ["-L", "-f", path])
        XCTAssertEqual(output.status, 0, "ssh-keygen -L failed: \(output.stderr)")
        return output.stdout
    }

    func testSSHKeygenListsHostCertificateWithPrincipalsInOrderAndTeleportExtensions() throws {
        let ca = try AuthorityFixtures.hostCA()
        let request = AuthorityFixtures.hostRequest(additionalPrincipals: ["node.internal", "10.0.0.5"])
        let certificate = try HostCertificateIssuer(hostCA: ca).sshCertificate(for: request)

        let listing = try listCertificate(certificate)

        XCTAssertTrue(listing.contains("Type: ssh-ed25519-cert-v01@openssh.com host certificate"), listing)
        XCTAssertEqual(principals(in: listing), [
            "\(request.hostID).example.com", request.hostID, "node-1.example.com", "node-1",
            "localhost", "127.0.0.1", "::1", "node.internal", "10.0.0.5",
        ])
        XCTAssertTrue(listing.contains("x-teleport-authority"), listing)
        XCTAssertTrue(listing.contains("x-teleport-role"), listing)
        XCTAssertTrue(listing.contains("Key ID: \"\""), listing)
        XCTAssertTrue(listing.contains("Valid: after "), "a host certificate never expires: \(listing)")
        XCTAssertTrue(listing.contains("Signing CA: ED25519 \(try ca.sshPublicKey.fingerprint)"), listing)
    }

    func testSSHKeygenListsHostCertificateForECDSAKey() throws {
        let ca = try AuthorityFixtures.hostCA()
        let request = AuthorityFixtures.hostRequest(sshKey: SSHPublicKey(P256.Signing.PrivateKey().publicKey))
        let listing = try listCertificate(try HostCertificateIssuer(hostCA: ca).sshCertificate(for: request))
        XCTAssertTrue(listing.contains("Type: ecdsa-sha2-nistp256-cert-v01@openssh.com host certificate"), listing)
    }

    func testSSHKeygenListsBotUserCertificate() throws {
        let ca = try AuthorityFixtures.userCA()
        let request = BotCertificateRequest(
            botName: "deployer", botInstanceID: "6c1d2b7e-0000-4000-8000-000000000001", generation: 3,
            sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
            tlsPublicKey: AuthorityFixtures.tlsPublicKey(), ttl: 7200, now: Date())
        let listing = try listCertificate(try UserCertificateIssuer(userCA: ca).sshCertificate(for: request))

        XCTAssertTrue(listing.contains("Type: ssh-ed25519-cert-v01@openssh.com user certificate"), listing)
        XCTAssertTrue(listing.contains("Key ID: \"bot-deployer\""), listing)
        XCTAssertEqual(principals(in: listing), ["bot-deployer"])
        for name in ["permit-pty", "permit-port-forwarding", "teleport-bot-name", "teleport-bot-instance-id", "teleport-bot-generation"] {
            XCTAssertTrue(listing.contains(name), "missing extension \(name): \(listing)")
        }
        XCTAssertTrue(listing.contains("Valid: from "), "a bot certificate expires: \(listing)")
    }

    func testFingerprintMatchesSSHKeygen() throws {
        for key in [SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey), SSHPublicKey(P256.Signing.PrivateKey().publicKey)] {
            let path = try scratch.write(key.authorizedKey(comment: "test") + "\n", to: "key.pub")
            let output = try Command.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", path])
            XCTAssertEqual(output.status, 0, output.stderr)
            XCTAssertTrue(output.stdout.contains(" \(key.fingerprint) "), "\(output.stdout) vs \(key.fingerprint)")
        }
    }

    func testSSHKeygenReadsOurOpenSSHPrivateKeyFile() throws {
        let key = Curve25519.Signing.PrivateKey()
        let path = try scratch.write(OpenSSHPrivateKeyFile.encode(key, comment: "host key"), to: "id_ed25519")
        let output = try Command.run("/usr/bin/ssh-keygen", ["-y", "-f", path])
        XCTAssertEqual(output.status, 0, output.stderr)
        let derived = try SSHPublicKey(authorizedKey: output.stdout)
        XCTAssertEqual(derived, SSHPublicKey(key.publicKey))
    }

    func testWeReadAPrivateKeyFileWrittenBySSHKeygen() throws {
        let path = scratch.url("generated").path
        let generated = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "made by ssh-keygen", "-f", path])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let key = try OpenSSHPrivateKeyFile.decode(String(contentsOfFile: path, encoding: .utf8))
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        XCTAssertEqual(SSHPublicKey(key.publicKey), try SSHPublicKey(authorizedKey: publicLine))
    }

    func testWeParseACertificateSignedBySSHKeygen() throws {
        let caPath = scratch.url("ca").path
        let hostPath = scratch.url("host").path
        for path in [caPath, hostPath] {
            XCTAssertEqual(try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]).status, 0)
        }
        let signed = try Command.run("/usr/bin/ssh-keygen", [
            "-q", "-s", caPath, "-h", "-I", "host-id", "-n", "a.example.com,b", "-O", "extension:x-teleport-role=Node",
            "-z", "42", hostPath + ".pub",
        ])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let certificate = try SSHCertificate(authorizedKey: String(contentsOfFile: hostPath + "-cert.pub", encoding: .utf8))
        XCTAssertEqual(certificate.kind, .host)
        XCTAssertEqual(certificate.keyID, "host-id")
        XCTAssertEqual(certificate.serial, 42)
        XCTAssertEqual(certificate.principals, ["a.example.com", "b"])
        XCTAssertEqual(certificate.extensionValue("x-teleport-role"), "Node")
        XCTAssertEqual(certificate.signatureKey, try SSHPublicKey(authorizedKey: String(contentsOfFile: caPath + ".pub", encoding: .utf8)))
        XCTAssertTrue(certificate.isSignatureValid)
    }
}
