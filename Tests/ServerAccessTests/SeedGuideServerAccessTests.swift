import AccessControl
import Foundation
import TestSupport
import XCTest

/// Seed guide 001 ("getting started with server access") as written, its placeholders filled,
/// against the real binaries on 127.0.0.1: a token in token.file, `teleport node configure
/// --token=/path/to/token.file --proxy=…`, `teleport start`, `tctl users add myuser
/// --roles=editor,access --logins=root,ubuntu,ec2-user`, the invite page in headless Chromium,
/// `tsh login`, `tsh ls`, `tsh ssh root@node`, `tsh ls env=example`, `tsh ssh
/// root@env=example ls`, `tsh config` and the real OpenSSH client through it.
final class SeedGuideServerAccessTests: XCTestCase {
    private var harness: ServerAccessHarness!

    override func setUp() async throws {
        harness = try ServerAccessHarness()
        try await harness.start()
    }

    override func tearDown() async throws {
        await harness.stop()
    }

    func testTheGuideFromTokenFileToOpenSSH() async throws {
        let cluster = harness.cluster
        // Step 2: the token saved to a file, the node configured with it and started.
        let node = try await harness.startTunnelNode("node-1", labels: "env=example")

        // The node listens on no address a client could reach: its only listeners are its
        // loopback ends of the tunnels it dials out (to the Auth server's and its own), and
        // none of them speaks SSH.
        let sockets = try Command.run("/usr/bin/ss", ["-ltnpH"])
        let mine = sockets.stdout.split(separator: "\n").filter { $0.contains("pid=\(node.pid),") }
        for line in mine {
            let local = String(line.split(separator: " ", omittingEmptySubsequences: true)[3])
            XCTAssertTrue(local.hasPrefix("127.0.0.1:"), "the tunnelled node listens beyond loopback: \(line)")
            let banner = try Command.run("/usr/bin/timeout", ["2", "/usr/bin/curl", "-s", "--max-time", "1", "telnet://\(local)"])
            XCTAssertFalse(banner.stdout.contains("SSH-2.0"), "\(local) answers SSH")
        }
        XCTAssertFalse(sockets.stdout.contains(":3022 "), sockets.stdout)

        // The Web UI user: tctl prints a one-time link on the Proxy Service.
        let invite = try harness.addUser("myuser", roles: "editor,access", logins: "root,ubuntu,ec2-user")
        XCTAssertEqual(invite.host, "127.0.0.1")
        XCTAssertEqual(invite.port, cluster.proxyPort)
        XCTAssertTrue(invite.path.hasPrefix("/web/invite/"), invite.absoluteString)

        // The invite page in a real browser: password and OTP device, screenshots kept.
        let password = "correct horse battery staple"
        let artifacts = ServerAccessHarness.artifacts
        let browser = try Command.run("/usr/bin/python3", [
            Self.script("invite_browser.py"), "--url", invite.absoluteString, "--password", password, "--otp", "auto",
            "--screenshot-form", artifacts.appendingPathComponent("invite-form.png").path,
            "--screenshot-result", artifacts.appendingPathComponent("invite-done.png").path,
        ], timeout: 120)
        guard browser.status == 0 else {
            if browser.stderr.contains("chromium") && !FileManager.default.fileExists(atPath: "/usr/bin/chromium") {
                throw XCTSkip("chromium is not installed: \(browser.stderr)")
            }
            return XCTFail("the browser could not complete the invite: \(browser.combined)")
        }
        let page = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(browser.stdout.utf8)) as? [String: Any], browser.stdout)
        XCTAssertEqual(page["user"] as? String, "myuser", browser.stdout)
        XCTAssertEqual(page["done"] as? Bool, true, browser.stdout)
        let secret = try XCTUnwrap(page["otp_secret"] as? String, browser.stdout)
        for shot in ["invite-form.png", "invite-done.png"] {
            let bytes = try Data(contentsOf: artifacts.appendingPathComponent(shot))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(shot) is not a PNG")
        }
        // The code the browser typed was spent; the next login needs a later one.
        try harness.noteUsed(secret, code: try TOTPDevice(base32Secret: secret).code(at: Date()), at: Date())

        // Step 3: tsh login. The proxy's certificate is checked as for joins: a bundle without
        // its CA is refused before any credential is sent.
        let untrusted = try harness.tsh(["login", "--proxy=\(cluster.proxyAddress)", "--user=myuser"],
                                        input: "\(password)\n000000\n", environment: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"])
        XCTAssertNotEqual(untrusted.status, 0)
        XCTAssertTrue(untrusted.stderr.contains("SSL_CERT_FILE"), untrusted.combined)
        // Then with the proxy's CA trusted, and the output the guide shows.
        let login = try await harness.login("myuser", password: password, secret: secret)
        XCTAssertEqual(login.status, 0, login.combined)
        XCTAssertTrue(login.stdout.contains("Logged in as:       myuser"), login.stdout)
        XCTAssertTrue(login.stdout.contains("Cluster:            \(ServerAccessHarness.clusterName)"), login.stdout)
        XCTAssertTrue(login.stdout.contains("Roles:              editor, access"), login.stdout)
        XCTAssertTrue(login.stdout.contains("Logins:             ec2-user, root, ubuntu"), login.stdout)
        XCTAssertTrue(login.stdout.contains("[valid for 11h59m") || login.stdout.contains("[valid for 12h0m"), login.stdout)
        XCTAssertTrue(login.stdout.contains("permit-pty"), login.stdout)
        XCTAssertFalse(login.combined.contains(password), "the password must never be printed")
        let keyMode = try FileManager.default.attributesOfItem(atPath: harness.home.appendingPathComponent("keys/127.0.0.1/myuser").path)[.posixPermissions] as? Int
        XCTAssertEqual(keyMode, 0o600)

        // tsh ls: the node, behind its tunnel, with its label.
        let listing = try harness.tsh(["ls"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let row = try XCTUnwrap(listing.stdout.split(separator: "\n").first { $0.hasPrefix("node-1") }, listing.stdout)
        XCTAssertTrue(row.contains("⟵ Tunnel"), listing.stdout)
        XCTAssertTrue(row.contains("env=example"), listing.stdout)

        // tsh ssh root@node-1 COMMAND: its output and its exit status.
        let run = try harness.tsh(["ssh", "root@node-1", "echo $((6 * 7)); echo to-stderr >&2; exit 3"])
        XCTAssertEqual(run.status, 3, run.combined)
        XCTAssertEqual(run.stdout, "42\n", run.combined)
        XCTAssertTrue(run.stderr.contains("to-stderr"), run.combined)

        // Step 4: by label, and a command on every match.
        let byLabel = try harness.tsh(["ls", "env=example"])
        XCTAssertTrue(byLabel.stdout.contains("node-1"), byLabel.combined)
        let none = try harness.tsh(["ls", "env=nowhere"])
        XCTAssertFalse(none.stdout.contains("node-1"), none.combined)
        let everywhere = try harness.tsh(["ssh", "root@env=example", "ls", "/"])
        XCTAssertEqual(everywhere.status, 0, everywhere.combined)
        XCTAssertTrue(everywhere.stdout.contains("[node-1] etc"), everywhere.combined)

        // tsh config, then the real OpenSSH client by the cluster's name for the node.
        let config = try harness.tsh(["config"])
        XCTAssertEqual(config.status, 0, config.combined)
        let configFile = cluster.directory.appendingPathComponent("ssh_config_teleport")
        try config.stdout.write(to: configFile, atomically: true, encoding: .utf8)
        let ssh = try Command.run("/usr/bin/ssh", ["-F", configFile.path, "root@node-1.\(ServerAccessHarness.clusterName)", "true"],
                                  environment: ["TELEPORT_HOME": harness.home.path, "SSL_CERT_FILE": cluster.proxyCAPath], timeout: 60)
        XCTAssertEqual(ssh.status, 0, ssh.combined)
        let whoami = try Command.run("/usr/bin/ssh", ["-F", configFile.path, "root@node-1.\(ServerAccessHarness.clusterName)", "id -un"],
                                     environment: ["TELEPORT_HOME": harness.home.path, "SSL_CERT_FILE": cluster.proxyCAPath], timeout: 60)
        XCTAssertEqual(whoami.stdout, "root\n", whoami.combined)

        // The audit log has the sign-in and the sessions, with user, login, node and address.
        let signIn = try await harness.waitForEvent { $0.string("type") == "user.login" && ($0["success"] as? Bool) == true }
        XCTAssertEqual(signIn?.attribute("user"), "myuser")
        XCTAssertFalse(signIn?.string("remote_address").isEmpty ?? true)
        let exec = try await harness.waitForEvent { $0.string("type") == "exec" && $0.attribute("exit_code") == "3" }
        XCTAssertEqual(exec?.attribute("login"), "root")
        XCTAssertTrue(exec?.attribute("command").contains("echo $((6 * 7))") ?? false, "\(String(describing: exec))")
        XCTAssertFalse(exec?.string("host_id").isEmpty ?? true)
        let ended = try await harness.waitForEvent { $0.string("type") == "session.end" }
        XCTAssertFalse(ended?.attribute("duration_seconds").isEmpty ?? true, "\(String(describing: ended))")
        let started = try await harness.waitForEvent { $0.string("type") == "session.start" }
        XCTAssertNotNil(started)
        let table = try cluster.tctl(["audit", "ls"])
        XCTAssertTrue(table.stdout.contains("user.login"), table.stdout)
        XCTAssertTrue(table.stdout.contains("session.start"), table.stdout)

        // tsh status and logout.
        let status = try harness.tsh(["status"])
        XCTAssertTrue(status.stdout.contains("Logged in as:       myuser"), status.combined)
        let logout = try harness.tsh(["logout"])
        XCTAssertEqual(logout.stdout, "Logged out all users from all proxies.\n", logout.combined)
        let after = try harness.tsh(["ls"])
        XCTAssertNotEqual(after.status, 0)
        XCTAssertTrue(after.stderr.contains("not logged in"), after.combined)
    }

    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TestSupport/Scripts/\(name)").path
    }
}
