import Crypto
import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// A real `sshd` presents a host key and certificate we wrote, and a real `ssh` that trusts
/// only our host CA (`@cert-authority`) accepts it.
final class SSHDHostCertificateTests: XCTestCase {
    private static let sshd = "/usr/sbin/sshd"
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.sshd) else {
            throw XCTSkip("\(Self.sshd) is not installed (Debian package openssh-server); skipping the sshd host certificate test")
        }
        // sshd insists on its privilege separation directory.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        scratch = try ScratchDirectory()
    }

    override func tearDown() {
        scratch?.remove()
    }

    func testSSHTrustingOurHostCAAcceptsSSHDPresentingOurCertificate() async throws {
        let ca = try AuthorityFixtures.hostCA()
        let stderr = try await connect(presentingCertificateFrom: ca, trusting: ca)
        XCTAssertFalse(stderr.contains("Host key verification failed"), stderr)
        XCTAssertFalse(stderr.contains("REMOTE HOST IDENTIFICATION"), stderr)
        XCTAssertTrue(stderr.contains("matches the ED25519-CERT host certificate"), stderr)
        XCTAssertTrue(stderr.contains("Permission denied") || stderr.contains("Authentications that can continue"), stderr)
    }

    func testSSHRejectsCertificateFromAnotherCA() async throws {
        let trusted = try AuthorityFixtures.hostCA()
        let other = try AuthorityFixtures.hostCA()
        let stderr = try await connect(presentingCertificateFrom: other, trusting: trusted)
        XCTAssertTrue(stderr.contains("Host key verification failed"), stderr)
    }

    /// Starts sshd with a host certificate issued by `issuingCA`, runs ssh trusting
    /// `trustedCA`, and returns ssh's stderr.
    private func connect(presentingCertificateFrom issuingCA: CertificateAuthority, trusting trustedCA: CertificateAuthority) async throws -> String {
        let hostKey = Curve25519.Signing.PrivateKey()
        let request = AuthorityFixtures.hostRequest(sshKey: SSHPublicKey(hostKey.publicKey))
        let certificate = try HostCertificateIssuer(hostCA: issuingCA).sshCertificate(for: request)

        let keyPath = try scratch.write(OpenSSHPrivateKeyFile.encode(hostKey), to: "ssh_host_ed25519_key")
        let certificatePath = try scratch.write(certificate.authorizedKey + "\n", to: "ssh_host_ed25519_key-cert.pub", permissions: 0o644)
        let knownHostsPath = try scratch.write("@cert-authority * \(try trustedCA.sshPublicKey.authorizedKey)\n", to: "known_hosts", permissions: 0o644)
        let port = FreePort.next()
        let configPath = try scratch.write("""
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(keyPath)
            HostCertificate \(certificatePath)
            PidFile \(scratch.url("sshd.pid").path)
            UsePAM no
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            AuthorizedKeysFile none

            """, to: "sshd_config")

        let sshd = try ManagedProcess(URL(fileURLWithPath: Self.sshd), ["-D", "-e", "-f", configPath],
                                      logDirectory: scratch.root, name: "sshd")
        do {
            guard await sshd.waitForOutput("Server listening on 127.0.0.1 port \(port)", seconds: 10) else {
                throw JoinError.unavailable("sshd did not start listening on port \(port): \(sshd.output)")
            }
            let ssh = try Command.run("/usr/bin/ssh", [
                "-v", "-F", "/dev/null",
                "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=\(knownHostsPath)",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com",
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=5",
                "-o", "IdentitiesOnly=yes",
                "-o", "IdentityFile=/dev/null",
                "-p", String(port),
                "nobody@127.0.0.1", "true",
            ], timeout: 20)
            await sshd.stop()
            XCTAssertNotEqual(ssh.status, 0, "nobody must not be able to log in")
            return ssh.stderr
        } catch {
            await sshd.stop()
            throw error
        }
    }
}
