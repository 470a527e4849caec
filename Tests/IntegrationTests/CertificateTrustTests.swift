import Foundation
import TestSupport
import XCTest

/// What we issue is accepted by the real tools: `ssh-keygen -L` reads the host certificate,
/// a real `sshd` serving it is trusted by `ssh` through an `@cert-authority` line made from
/// tctl's host CA key, `openssl verify` accepts the X.509 certificate, and the CA pin is the
/// SHA-256 of the SubjectPublicKeyInfo as openssl computes it.
final class CertificateTrustTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private var keys: String!
    private var hostID: String!

    override func setUp() async throws {
        cluster = try ClusterProcesses()
        try await cluster.startAuth()
        let dataDir = cluster.nodeDataDirectory("trusted-node")
        let node = try cluster.startNode("trusted-node", [
            "--roles=node", "--token=\(try cluster.addToken())", "--ca-pin=\(try cluster.caPin())",
            "--auth-server=\(cluster.authAddress)", "--data-dir=\(dataDir)", "--nodename=trusted-node",
        ])
        guard await node.waitForOutput("joined the cluster") else { throw XCTSkip("node did not join: \(node.output)") }
        keys = dataDir + "/keys"
        hostID = try String(contentsOfFile: dataDir + "/host_uuid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    func testSSHKeygenShowsTheSpecsPrincipalsAndExtensions() throws {
        let listing = try Command.run(URL(fileURLWithPath: "/usr/bin/ssh-keygen"), ["-L", "-f", keys + "/ssh_host_key-cert.pub"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let text = listing.stdout
        XCTAssertTrue(text.contains("ssh-ed25519-cert-v01@openssh.com host certificate"), text)
        let expected = ["\(hostID!).it.example.com", hostID!, "trusted-node.it.example.com", "trusted-node", "localhost", "127.0.0.1", "::1"]
        let principals = principalLines(text)
        XCTAssertEqual(Array(principals.prefix(expected.count)), expected)
        XCTAssertTrue(text.contains("x-teleport-role Node") || text.contains("x-teleport-role"), text)
        XCTAssertTrue(text.contains("x-teleport-authority"), text)
        XCTAssertTrue(text.contains("Valid: after "), "host certificates never expire: \(text)")
    }

    func testRealSSHDServingTheCertificateIsTrustedThroughTheHostCA() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else { throw XCTSkip("sshd is not installed") }
        let export = try cluster.tctl(["auth", "export", "--type=host"])
        XCTAssertEqual(export.status, 0, export.combined)
        let caLine = try XCTUnwrap(export.stdout.split(separator: "\n").first)
        XCTAssertTrue(caLine.hasPrefix("@cert-authority *.it.example.com ssh-ed25519 "), String(caLine))
        let caKey = caLine.split(separator: " ")[2...3].joined(separator: " ")

        let port = FreePort.next()
        let directory = cluster.directory.appendingPathComponent("sshd").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(keys!)/ssh_host_key
        HostCertificate \(keys!)/ssh_host_key-cert.pub
        PidFile \(directory)/sshd.pid
        UsePAM no
        StrictModes no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        """.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        let sshd = try ManagedProcess(URL(fileURLWithPath: "/usr/sbin/sshd"), ["-D", "-e", "-f", directory + "/sshd_config"],
                                      logDirectory: cluster.directory, name: "sshd")
        defer { Task { await sshd.stop() } }
        try await waitForPort(port)

        try "@cert-authority * \(caKey)\n".write(toFile: directory + "/known_hosts", atomically: true, encoding: .utf8)
        let trusted = try ssh(port: port, knownHosts: directory + "/known_hosts")
        XCTAssertFalse(trusted.stderr.contains("Host key verification failed"), trusted.stderr + sshd.output)
        XCTAssertTrue(trusted.stderr.contains("Permission denied"), "host verification passed, user auth is refused: \(trusted.stderr)")

        let other = try Command.shell("ssh-keygen -q -t ed25519 -N '' -f \(directory)/other_ca && cat \(directory)/other_ca.pub")
        let otherKey = other.stdout.split(separator: " ")[0...1].joined(separator: " ")
        try "@cert-authority * \(otherKey)\n".write(toFile: directory + "/known_hosts_other", atomically: true, encoding: .utf8)
        let untrusted = try ssh(port: port, knownHosts: directory + "/known_hosts_other")
        XCTAssertTrue(untrusted.stderr.contains("Host key verification failed"), "a foreign CA must not vouch for us: \(untrusted.stderr)")
        await sshd.stop()
    }

    func testOpenSSLVerifiesTheHostCertificateAndReadsTheClusterAndRoleOIDs() throws {
        let ca = cluster.directory.appendingPathComponent("host-ca.pem").path
        let export = try cluster.tctl(["auth", "export", "--type=tls-host"])
        try export.stdout.write(toFile: ca, atomically: true, encoding: .utf8)
        let verify = try Command.run(URL(fileURLWithPath: "/usr/bin/openssl"), ["verify", "-CAfile", ca, keys + "/host.crt"])
        XCTAssertEqual(verify.status, 0, verify.combined)
        XCTAssertTrue(verify.stdout.contains(": OK"))
        let subject = try Command.run(URL(fileURLWithPath: "/usr/bin/openssl"),
                                      ["x509", "-in", keys + "/host.crt", "-noout", "-subject", "-nameopt", "oid,sep_multiline"])
        XCTAssertTrue(subject.stdout.contains("1.3.9999.1.7=it.example.com"), subject.stdout)
        XCTAssertTrue(subject.stdout.contains("1.3.9999.2.11=Node"), subject.stdout)
        XCTAssertTrue(subject.stdout.contains("O=Node") || subject.stdout.contains("2.5.4.10=Node"), subject.stdout)
        XCTAssertTrue(subject.stdout.contains("\(hostID!).it.example.com"), subject.stdout)

        let foreign = try Command.shell(
            "cd \(cluster.directory.path) && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o.key -out o.pem -subj /CN=other -days 1 2>/dev/null && openssl verify -CAfile o.pem \(keys!)/host.crt")
        XCTAssertNotEqual(foreign.status, 0, "a certificate from our CA must not verify against another CA")
    }

    func testCAPinIsTheSHA256OfTheSubjectPublicKeyInfoAsOpenSSLComputesIt() throws {
        let ca = cluster.directory.appendingPathComponent("pin-ca.pem").path
        try cluster.tctl(["auth", "export", "--type=tls-host"]).stdout.write(toFile: ca, atomically: true, encoding: .utf8)
        let digest = try Command.shell("openssl x509 -in \(ca) -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r")
        let hex = try XCTUnwrap(digest.stdout.split(separator: " ").first)
        XCTAssertEqual(try cluster.caPin(), "sha256:\(hex)")
    }

    private func principalLines(_ text: String) -> [String] {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(of: "Principals:") else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.hasSuffix(":") })
    }

    private func ssh(port: Int, knownHosts: String) throws -> CommandResult {
        try Command.run(URL(fileURLWithPath: "/usr/bin/ssh"), [
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "PreferredAuthentications=publickey",
            "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null", "-p", "\(port)", "nobody@127.0.0.1", "true",
        ], timeout: 20)
    }

    private func waitForPort(_ port: Int) async throws {
        for _ in 0..<100 {
            let probe = try Command.run(URL(fileURLWithPath: "/bin/bash"), ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"], timeout: 2)
            if probe.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw XCTSkip("sshd did not open port \(port)")
    }
}
