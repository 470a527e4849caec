import Foundation
import TestSupport
import XCTest

/// A node behind a reverse tunnel when its Proxy Service goes away and comes back, and an
/// interactive session in a real terminal (tmux): a prompt, a command, a window resize that
/// `stty size` sees, and the exit status coming back.
final class TunnelAndTerminalTests: XCTestCase {
    private var harness: ServerAccessHarness!
    private var extraProxy: ManagedProcess?
    private let password = "a long enough password"

    override func setUp() async throws {
        harness = try ServerAccessHarness()
        try await harness.start()
    }

    override func tearDown() async throws {
        await extraProxy?.stop()
        _ = try? Command.run("/usr/bin/tmux", ["kill-server"], environment: ["TMUX_TMPDIR": harness.cluster.directory.path])
        await harness.stop()
    }

    /// A Proxy Service of its own (joined with a proxy token), so it can be killed and
    /// restarted on the same port without touching the Auth server.
    private func startProxy(port: Int, token: String?, config: URL) async throws -> ManagedProcess {
        var arguments = ["-c", config.path, "--roles=proxy", "--ca-pin=\(try harness.cluster.caPin())",
                         "--auth-server=\(harness.cluster.authAddress)"]
        if let token { arguments.append("--token=\(token)") }
        let proxy = try harness.cluster.startNode("proxy-\(UUID().uuidString.prefix(4))", arguments)
        guard await proxy.waitForOutput("Proxy Service is listening") else { throw TestFailure("proxy: \(proxy.output)") }
        return proxy
    }

    func testTheNodeTunnelComesBackAfterTheProxyRestarts() async throws {
        let port = FreePort.next()
        let data = harness.cluster.nodeDataDirectory("own-proxy")
        let config = harness.cluster.directory.appendingPathComponent("own-proxy.yaml")
        try """
        version: v3
        teleport:
          nodename: own-proxy
          data_dir: \(data)
        ssh_service:
          enabled: no
        proxy_service:
          web_listen_addr: 127.0.0.1:\(port)
        """.write(to: config, atomically: true, encoding: .utf8)
        extraProxy = try await startProxy(port: port, token: try harness.cluster.addToken(type: "proxy"), config: config)
        let node = try await harness.startTunnelNode("node-t", labels: "env=example", proxyAddress: "127.0.0.1:\(port)",
                                                     environment: ["SSL_CERT_FILE": data + "/proxy/webcert.pem"])

        let secret = try harness.completeInvite(try harness.addUser("tess", roles: "access", logins: "root"), password: password)
        let code = try await harness.nextCode(secret)
        let login = try harness.tsh(["login", "--proxy=127.0.0.1:\(port)", "--user=tess", "--insecure"], input: "\(password)\n\(code)\n")
        XCTAssertEqual(login.status, 0, login.combined)
        XCTAssertEqual(try harness.tsh(["ssh", "root@node-t", "echo before"]).stdout, "before\n")

        // The proxy is killed: sessions fail, and the node keeps trying.
        await extraProxy?.killAbruptly()
        let during = try harness.tsh(["ssh", "root@node-t", "echo during"], timeout: 30)
        XCTAssertNotEqual(during.status, 0, during.combined)

        // Started again on the same port (its identity and web certificate kept in data_dir).
        extraProxy = try await startProxy(port: port, token: nil, config: config)
        let deadline = Date().addingTimeInterval(45)
        var after = try harness.tsh(["ssh", "root@node-t", "echo after"], timeout: 30)
        while after.status != 0 && Date() < deadline {
            after = try harness.tsh(["ssh", "root@node-t", "echo after"], timeout: 30)
            try await Task.sleep(for: .milliseconds(500))
        }
        XCTAssertEqual(after.stdout, "after\n", "the tunnel did not come back: \(after.combined)\n\(node.output)")
        let reconnections = node.output.components(separatedBy: "reverse tunnel to the Proxy Service is up").count - 1
        XCTAssertGreaterThanOrEqual(reconnections, 2, node.output)
    }

    func testAnInteractiveSessionInARealTerminal() async throws {
        try await harness.startTunnelNode("node-i", labels: "env=example")
        let secret = try harness.completeInvite(try harness.addUser("ivy", roles: "access", logins: "root"), password: password)
        let firstLogin = try await harness.login("ivy", password: password, secret: secret)
        XCTAssertEqual(firstLogin.status, 0, firstLogin.combined)

        let tmuxEnvironment = ["TMUX_TMPDIR": harness.cluster.directory.path]
        func tmux(_ arguments: [String]) throws -> CommandResult {
            try Command.run("/usr/bin/tmux", arguments, environment: tmuxEnvironment)
        }
        let command = "env TELEPORT_HOME='\(harness.home.path)' SSL_CERT_FILE='\(harness.cluster.proxyCAPath)' "
            + "'\(ServerAccessHarness.tsh.path)' ssh root@node-i; echo EXIT=$?; sleep 60"
        let started = try tmux(["new-session", "-d", "-s", "it", "-x", "100", "-y", "30", command])
        XCTAssertEqual(started.status, 0, started.combined)
        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "it"]).stdout }
        func waitFor(_ text: String) async throws -> Bool {
            for _ in 0..<100 {
                if try screen().contains(text) { return true }
                try await Task.sleep(for: .milliseconds(200))
            }
            return false
        }
        // A prompt, then a command typed at it.
        _ = try tmux(["send-keys", "-t", "it", "PS1='READY> '", "Enter"])
        guard try await waitFor("READY> ") else { return XCTFail("no shell prompt:\n\(try screen())") }
        _ = try tmux(["send-keys", "-t", "it", "echo hello-$((40 + 2)); stty size", "Enter"])
        guard try await waitFor("hello-42") else { return XCTFail("the command did not run:\n\(try screen())") }
        guard try await waitFor("30 100") else { return XCTFail("the terminal size did not arrive:\n\(try screen())") }
        // A resize reaches the remote terminal.
        _ = try tmux(["resize-window", "-t", "it", "-x", "120", "-y", "40"])
        try await Task.sleep(for: .milliseconds(500))
        _ = try tmux(["send-keys", "-t", "it", "clear; stty size", "Enter"])
        guard try await waitFor("40 120") else { return XCTFail("the resize did not arrive:\n\(try screen())") }
        // The exit status comes back to tsh.
        _ = try tmux(["send-keys", "-t", "it", "exit 7", "Enter"])
        guard try await waitFor("EXIT=7") else { return XCTFail("the exit status did not come back:\n\(try screen())") }
        let ended = try await harness.waitForEvent { $0.string("type") == "session.end" && $0.attribute("user") == "ivy" }
        XCTAssertEqual(ended?.attribute("interactive"), "true", "\(String(describing: ended))")
    }
}
