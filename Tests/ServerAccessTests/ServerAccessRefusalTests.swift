import AccessControl
import Foundation
import TestSupport
import XCTest

/// What server access refuses, each against the real binaries and each with an audit event
/// and a message that says what was refused: credentials (the same answer for a wrong
/// password and an unknown user, then a lockout), a wrong OTP code, a login or node labels the
/// roles do not allow (labels as the token bound them, not as the node reports them), a locked
/// user, and a certificate from another cluster's user CA at a node's own port.
final class ServerAccessRefusalTests: XCTestCase {
    private var harness: ServerAccessHarness!
    private let password = "a long enough password"

    override func setUp() async throws {
        harness = try ServerAccessHarness()
        try await harness.start()
    }

    override func tearDown() async throws {
        await harness.stop()
    }

    private func user(_ name: String, roles: String = "access", logins: String = "root") throws -> String {
        try harness.completeInvite(try harness.addUser(name, roles: roles, logins: logins), password: password)
    }

    func testWrongPasswordAndUnknownUserGetOneAnswerThenTheNameIsLockedOut() async throws {
        let secret = try user("alice")
        let code = try await harness.nextCode(secret)
        let wrong = try harness.tsh(["login", "--proxy=\(harness.cluster.proxyAddress)", "--user=alice", "--insecure"],
                                    input: "not the password\n\(code)\n")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("invalid user name, password or second factor"), wrong.combined)
        let unknown = try harness.tsh(["login", "--proxy=\(harness.cluster.proxyAddress)", "--user=nobody", "--insecure"],
                                      input: "whatever it is\n123456\n")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertEqual(Self.errorLine(unknown.stderr), Self.errorLine(wrong.stderr), "an unknown user must look like a wrong password")
        XCTAssertFalse(wrong.combined.contains("not the password"))

        let failed = try harness.auditEvents().filter { $0.string("type") == "user.login" && ($0["success"] as? Bool) == false }
        XCTAssertTrue(failed.contains { $0.attribute("user") == "alice" && $0.string("reason") == "wrong password" }, "\(failed)")
        XCTAssertTrue(failed.contains { $0.attribute("user") == "nobody" && $0.string("reason") == "unknown user" }, "\(failed)")

        // Four more failures make five: then even the right password is refused for a while.
        for _ in 0..<4 {
            _ = try harness.tsh(["login", "--proxy=\(harness.cluster.proxyAddress)", "--user=alice", "--insecure"], input: "nope nope nope\n000000\n")
        }
        let locked = try await harness.login("alice", password: password, secret: secret)
        XCTAssertNotEqual(locked.status, 0)
        XCTAssertTrue(locked.stderr.contains("too many failed sign-in attempts for alice"), locked.combined)
    }

    func testAWrongOTPCodeIsRefusedWithTheSameAnswer() async throws {
        let secret = try user("carol")
        let good = try await harness.nextCode(secret)
        let wrongCode = String(format: "%06d", ((Int(good) ?? 0) + 500_000) % 1_000_000)
        let refused = try harness.tsh(["login", "--proxy=\(harness.cluster.proxyAddress)", "--user=carol", "--insecure"],
                                      input: "\(password)\n\(wrongCode)\n")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("invalid user name, password or second factor"), refused.combined)
        let event = try await harness.waitForEvent { $0.string("type") == "user.login" && $0.attribute("user") == "carol" }
        XCTAssertEqual(event?.string("reason"), "wrong or reused OTP code")
        XCTAssertEqual(event?["success"] as? Bool, false)
    }

    func testLoginsAndLabelsTheRolesDoNotAllowAndLabelsANodeCannotForge() async throws {
        // node-1 says env=example; node-p says env=dev but its token bound env=prod.
        try await harness.startTunnelNode("node-1", labels: "env=example")
        try await harness.startTunnelNode("node-p", labels: "env=dev", tokenLabels: "env=prod")
        let role = harness.cluster.directory.appendingPathComponent("dev-only.yaml")
        try """
        kind: role
        version: v7
        metadata:
          name: dev-only
        spec:
          allow:
            logins: ['{{internal.logins}}']
            node_labels:
              env: dev
        """.write(to: role, atomically: true, encoding: .utf8)
        let created = try harness.cluster.tctl(["create", role.path])
        XCTAssertEqual(created.status, 0, created.combined)
        let roles = try harness.cluster.tctl(["get", "roles"])
        XCTAssertTrue(roles.stdout.contains("dev-only") && roles.stdout.contains("access"), roles.stdout)

        // An access user: sees both, node-p as env=prod; a login not granted is refused.
        let adminSecret = try user("ops", roles: "access", logins: "root")
        let login = try await harness.login("ops", password: password, secret: adminSecret)
        XCTAssertEqual(login.status, 0, login.combined)
        let listing = try harness.tsh(["ls"])
        let nodeP = try XCTUnwrap(listing.stdout.split(separator: "\n").first { $0.hasPrefix("node-p") }, listing.stdout)
        XCTAssertTrue(nodeP.contains("env=prod"), listing.stdout)
        XCTAssertFalse(nodeP.contains("env=dev"), listing.stdout)
        let postgres = try harness.tsh(["ssh", "postgres@node-1", "true"])
        XCTAssertNotEqual(postgres.status, 0, postgres.combined)
        let loginRefusal = try await harness.waitForEvent { $0.string("type") == "auth" && $0.attribute("login") == "postgres" }
        XCTAssertTrue(loginRefusal?.string("reason").contains("postgres") ?? false, "\(String(describing: loginRefusal))")
        XCTAssertEqual(loginRefusal?.attribute("user"), "ops")

        // A dev-only user: node-p reports env=dev, but the cluster says env=prod.
        _ = try harness.tsh(["logout"])
        let devSecret = try user("dana", roles: "dev-only", logins: "root")
        let devLogin = try await harness.login("dana", password: password, secret: devSecret)
        XCTAssertEqual(devLogin.status, 0, devLogin.combined)
        let devListing = try harness.tsh(["ls"])
        XCTAssertFalse(devListing.stdout.contains("node-p"), devListing.stdout)
        XCTAssertFalse(devListing.stdout.contains("node-1"), devListing.stdout)
        let forged = try harness.tsh(["ssh", "root@node-p", "true"])
        XCTAssertNotEqual(forged.status, 0, forged.combined)
        XCTAssertTrue(forged.stderr.contains("no node you may reach matches"), forged.combined)
        // tsh finds no node dana may see; OpenSSH through the proxy still reaches the node,
        // which refuses on the labels the cluster bound.
        let direct = try harness.openSSH("root@node-p", "true")
        XCTAssertNotEqual(direct.status, 0, direct.combined)
        let labelRefusal = try await harness.waitForEvent { $0.string("type") == "auth" && $0.attribute("user") == "dana" }
        XCTAssertTrue(labelRefusal?.string("reason").contains("env=prod") ?? false, "\(String(describing: labelRefusal))")
    }

    func testALockedUserCanNeitherSignInNorOpenSessions() async throws {
        try await harness.startTunnelNode("node-1", labels: "env=example")
        let secret = try user("erin")
        let firstLogin = try await harness.login("erin", password: password, secret: secret)
        XCTAssertEqual(firstLogin.status, 0, firstLogin.combined)
        XCTAssertEqual(try harness.tsh(["ssh", "root@node-1", "true"]).status, 0)

        let lock = harness.cluster.directory.appendingPathComponent("lock.yaml")
        try """
        kind: lock
        version: v2
        metadata:
          name: erin-lock
        spec:
          target:
            user: erin
          message: "suspected compromise"
        """.write(to: lock, atomically: true, encoding: .utf8)
        let created = try harness.cluster.tctl(["create", lock.path])
        XCTAssertEqual(created.status, 0, created.combined)

        // tsh is refused by the Auth server; OpenSSH through the proxy with the certificate erin
        // still holds reaches the node, which asks the Auth server and refuses.
        let listing = try harness.tsh(["ls"])
        XCTAssertNotEqual(listing.status, 0)
        XCTAssertTrue(listing.stderr.contains("suspected compromise"), listing.combined)
        let session = try harness.openSSH("root@node-1", "true")
        XCTAssertNotEqual(session.status, 0, session.combined)
        let refusal = try await harness.waitForEvent { $0.string("type") == "auth" && $0.attribute("user") == "erin" }
        XCTAssertTrue(refusal?.string("reason").contains("suspected compromise") ?? false, "\(String(describing: refusal))")
        let again = try await harness.login("erin", password: password, secret: secret)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("user erin is locked: suspected compromise"), again.combined)
    }

    func testAForeignUserCertificateAtANodesOwnPortIsRefused() async throws {
        // A node that joined the Auth server directly listens on its own port.
        let sshPort = FreePort.next()
        let token = try harness.cluster.addToken()
        let config = harness.cluster.directory.appendingPathComponent("direct.yaml")
        try """
        version: v3
        teleport:
          nodename: direct-1
          data_dir: \(harness.cluster.nodeDataDirectory("direct-1"))
          auth_server: \(harness.cluster.authAddress)
          join_params:
            token_name: \(token)
            method: token
          ca_pin: \(try harness.cluster.caPin())
        auth_service:
          enabled: no
        proxy_service:
          enabled: no
        ssh_service:
          enabled: yes
          listen_addr: 127.0.0.1:\(sshPort)
        """.write(to: config, atomically: true, encoding: .utf8)
        let node = try harness.cluster.startNode("direct-1", ["-c", config.path])
        guard await node.waitForOutput("SSH Service is listening") else { return XCTFail(node.output) }
        XCTAssertTrue(try harness.cluster.tctl(["nodes", "ls"]).stdout.contains("127.0.0.1:\(sshPort)"))

        // Another cluster's user CA, made with ssh-keygen, signs a certificate for root.
        let keys = harness.cluster.directory.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        for (name, extra) in [("ca", [String]()), ("user", [])] {
            let made = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keys.appendingPathComponent(name).path] + extra)
            XCTAssertEqual(made.status, 0, made.combined)
        }
        let signed = try Command.run("/usr/bin/ssh-keygen", [
            "-q", "-s", keys.appendingPathComponent("ca").path, "-I", "mallory", "-n", "root", "-V", "-5m:+1h",
            "-O", "extension:teleport-roles={\"version\":\"v1\",\"roles\":[\"access\"]}", keys.appendingPathComponent("user.pub").path,
        ])
        XCTAssertEqual(signed.status, 0, signed.combined)
        let ssh = try Command.run("/usr/bin/ssh", [
            "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-i", keys.appendingPathComponent("user").path, "-o", "CertificateFile=\(keys.appendingPathComponent("user-cert.pub").path)",
            "-p", String(sshPort), "root@127.0.0.1", "true",
        ], timeout: 30)
        XCTAssertNotEqual(ssh.status, 0, ssh.combined)
        XCTAssertTrue(ssh.stderr.contains("Permission denied"), ssh.combined)
        // The key ID a foreign CA wrote is not believed: the event names no user, says why.
        let refusal = try await harness.waitForEvent {
            $0.string("type") == "auth" && $0.string("reason").contains("not a trusted user CA of this cluster")
        }
        let recent = try harness.auditEvents().suffix(5)
        XCTAssertNotNil(refusal, "no audit event for the foreign certificate: \(recent)")
        XCTAssertEqual(refusal?.attribute("login"), "root")
        XCTAssertEqual(refusal?.attribute("user"), "")
        XCTAssertFalse(refusal?.string("host_id").isEmpty ?? true)
    }

    func testAnExpiredUserCertificateIsRefusedByTheAuthServerAndTheNode() async throws {
        try await harness.startTunnelNode("node-1", labels: "env=example")
        let secret = try user("finn")
        // The shortest lifetime a sign-in gives is a minute.
        let login = try await harness.login("finn", password: password, secret: secret, extra: ["--ttl=1m"])
        XCTAssertEqual(login.status, 0, login.combined)
        XCTAssertTrue(login.stdout.contains("[valid for 1m0s]") || login.stdout.contains("[valid for 59s]"), login.stdout)
        XCTAssertEqual(try harness.openSSH("root@node-1", "true").status, 0)
        try await Task.sleep(for: .seconds(62))

        let listing = try harness.tsh(["ls"])
        XCTAssertNotEqual(listing.status, 0)
        XCTAssertTrue(listing.stderr.contains("expired"), listing.combined)
        // Through the proxy with OpenSSH: the proxy refuses the expired TLS certificate, and
        // the node, reached anyway, has only refusals to offer. OpenSSH does not present a
        // certificate it knows has expired; the node audits what it was offered instead.
        let before = try harness.auditEvents().count
        let session = try harness.openSSH("root@node-1", "true")
        XCTAssertNotEqual(session.status, 0, session.combined)
        XCTAssertTrue(session.stderr.contains("expired") || session.stderr.contains("refused"), session.combined)
        let after = try harness.auditEvents()
        XCTAssertFalse(after.dropFirst(before).contains { $0.string("type") == "session.start" }, "an expired certificate opened a session")
    }

    /// The `ERROR: …` line of a tsh failure.
    static func errorLine(_ stderr: String) -> String {
        stderr.split(separator: "\n").first { $0.lowercased().contains("invalid") || $0.lowercased().contains("error") }.map(String.init) ?? stderr
    }
}
