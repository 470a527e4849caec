import Agent
import Crypto
import Foundation
import JoinCore
import Server
import TestSupport
import X509
import XCTest

/// The `identity` output: the file set Teleport's tbot writes, each 0600 in a 0700 directory,
/// each readable by the tools that consume it (OpenSSL, ssh-keygen).
final class TbotIdentityOutputTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tbot-output-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A bot identity with real certificates from a fresh user CA, as the Auth server issues them.
    private func makeIdentity() throws -> BotIdentity {
        let now = Date()
        let userCA = try CertificateAuthority.generate(kind: .user, clusterName: "it.example.com", now: now)
        let hostCA = try CertificateAuthority.generate(kind: .host, clusterName: "it.example.com", now: now)
        let key = P256.Signing.PrivateKey()
        let issued = try UserCertificateIssuer(userCA: userCA).issue(BotCertificateRequest(
            botName: "example", botInstanceID: "3f2a", generation: 1, sshPublicKey: SSHPublicKey(key.publicKey),
            tlsPublicKey: SubjectTLSPublicKey(key.publicKey), renewable: true, now: now), serverCAs: [hostCA.tlsCertificate])
        func pem(_ der: [UInt8]) throws -> String { try Certificate(derEncoded: der).serializeAsPEM().pemString + "\n" }
        let fields: [String: Any] = [
            "bot_name": "example", "cluster_name": "it.example.com", "instance_id": "3f2a", "generation": 1,
            "renewable": true, "join_method": "token", "private_key": key.pemRepresentation,
            "ssh_certificate": try SSHCertificate(wireBytes: issued.sshCertificate).authorizedKey,
            "ssh_ca_keys": try issued.sshCAKeys.map { try SSHPublicKey(wireBytes: $0).authorizedKey },
            "tls_certificate": try pem(issued.tlsCertificateDER),
            "tls_ca_certificates": try issued.tlsCACertificatesDER.map(pem),
            "valid_before": RFC3339.format(now + 3600), "auth_server": "127.0.0.1:3025",
        ]
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BotIdentity.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    private func permissions(_ url: URL) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int ?? -1
    }

    private func read(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    func testWritesTheTeleportIdentityFileSetWithPrivateModes() throws {
        try IdentityOutputWriter(directory: directory).write(try makeIdentity())
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["identity", "key", "key-cert.pub", "key.pub", "sshcacerts", "tlscacerts", "tlscert"])
        XCTAssertEqual(try permissions(directory), 0o700)
        for name in names {
            XCTAssertEqual(try permissions(directory.appendingPathComponent(name)), 0o600, name)
        }
    }

    func testKeyLoadsAndMatchesTheCertificatesAndPublicKey() throws {
        let identity = try makeIdentity()
        try IdentityOutputWriter(directory: directory).write(identity)
        let key = try P256.Signing.PrivateKey(pemRepresentation: try read("key"))
        XCTAssertEqual(try read("key.pub"), SSHPublicKey(key.publicKey).authorizedKey + "\n")
        let tls = try Certificate(pemEncoded: try read("tlscert"))
        XCTAssertEqual(tls.publicKey, Certificate.PublicKey(key.publicKey))
        let ssh = try SSHCertificate(authorizedKey: try read("key-cert.pub").trimmingCharacters(in: .newlines))
        XCTAssertEqual(ssh.publicKey, SSHPublicKey(key.publicKey))
        XCTAssertEqual(ssh.principals, ["bot-example"])
    }

    func testSSHCAFileHoldsCertAuthorityLines() throws {
        let identity = try makeIdentity()
        try IdentityOutputWriter(directory: directory).write(identity)
        let lines = try read("sshcacerts").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, identity.sshCAKeys.map { "cert-authority \($0)" })
        XCTAssertFalse(lines.isEmpty)
    }

    func testIdentityFileBundlesKeyCertificatesAndCAs() throws {
        let identity = try makeIdentity()
        try IdentityOutputWriter(directory: directory).write(identity)
        let bundle = try read("identity")
        XCTAssertEqual(bundle, try read("key") + read("key-cert.pub") + read("tlscert") + read("tlscacerts") + read("sshcacerts"))
        XCTAssertEqual(bundle.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1, 1 + identity.tlsCACertificatesPEM.count)
    }

    func testSSHKeygenReadsTheCertificate() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") else { throw XCTSkip("ssh-keygen is not installed") }
        try IdentityOutputWriter(directory: directory).write(try makeIdentity())
        let listing = try Command.run("/usr/bin/ssh-keygen", ["-L", "-f", directory.appendingPathComponent("key-cert.pub").path])
        XCTAssertEqual(listing.status, 0, listing.combined)
        XCTAssertTrue(listing.stdout.contains("bot-example"), listing.stdout)
        let publicKey = try Command.run("/usr/bin/ssh-keygen", ["-y", "-f", directory.appendingPathComponent("key").path])
        XCTAssertEqual(publicKey.status, 0, publicKey.combined)
        XCTAssertEqual(publicKey.stdout.split(separator: " ").prefix(2), try read("key.pub").split(separator: " ").prefix(2))
    }

    func testOpenSSLVerifiesTheTLSCertificateAgainstTheCABundle() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw XCTSkip("openssl is not installed") }
        try IdentityOutputWriter(directory: directory).write(try makeIdentity())
        let verify = try Command.run("/usr/bin/openssl", [
            "verify", "-CAfile", directory.appendingPathComponent("tlscacerts").path, directory.appendingPathComponent("tlscert").path,
        ])
        XCTAssertEqual(verify.status, 0, verify.combined)
    }

    func testRewritingReplacesEveryFile() throws {
        let writer = IdentityOutputWriter(directory: directory)
        try writer.write(try makeIdentity())
        let firstKey = try read("key")
        let second = try makeIdentity()
        try writer.write(second)
        XCTAssertNotEqual(try read("key"), firstKey)
        XCTAssertEqual(try read("tlscert"), second.tlsCertificatePEM)
    }
}
