import AccessControl
import Foundation
import TestSupport
import XCTest

/// A cluster of the real binaries for server-access tests: the Auth server with its Proxy
/// Service (``ClusterProcesses``), nodes joined through the proxy, users created with tctl and
/// set up through the invite page, and tsh with its own `TELEPORT_HOME`.
final class ServerAccessHarness: @unchecked Sendable {
    static var tsh: URL { ClusterProcesses.binaries.appendingPathComponent("tsh") }
    static let clusterName = "it.example.com"

    let cluster: ClusterProcesses
    /// tsh's home (`TELEPORT_HOME`), one per harness.
    let home: URL
    private var lastCounters: [String: UInt64] = [:]

    init(extraAuthYAML: String = "") throws {
        cluster = try ClusterProcesses(extraAuthYAML: extraAuthYAML, withProxy: true)
        home = cluster.directory.appendingPathComponent("tsh-home")
        guard FileManager.default.isExecutableFile(atPath: Self.tsh.path) else {
            throw XCTSkip("tsh not built at \(Self.tsh.path)")
        }
    }

    func start() async throws { try await cluster.startAuth() }
    func stop() async { await cluster.stop() }

    /// The environment nodes need to trust the proxy's self-signed web certificate.
    var trustingTheProxy: [String: String] { ["SSL_CERT_FILE": cluster.proxyCAPath] }

    /// Joins a node through the proxy with `teleport node configure` + `teleport start`, and
    /// waits until it is listed and its tunnel is up.
    @discardableResult
    func startTunnelNode(_ name: String, labels: String? = nil, tokenLabels: String? = nil,
                         proxyAddress: String? = nil, environment: [String: String] = [:]) async throws -> ManagedProcess {
        var add = ["tokens", "add", "--type=node", "--ttl=5m", "--format=text"]
        if let tokenLabels { add.append("--labels=\(tokenLabels)") }
        let token = try cluster.tctl(add)
        XCTAssertEqual(token.status, 0, token.combined)
        let tokenFile = cluster.directory.appendingPathComponent("\(name).token")
        try token.stdout.write(to: tokenFile, atomically: true, encoding: .utf8)
        let config = cluster.directory.appendingPathComponent("\(name).yaml").path
        var configure = ["node", "configure", "--output=file://\(config)", "--token=\(tokenFile.path)",
                         "--proxy=\(proxyAddress ?? cluster.proxyAddress)", "--data-dir=\(cluster.nodeDataDirectory(name))",
                         "--node-name=\(name)"]
        if let labels { configure.append("--labels=\(labels)") }
        let configured = try Command.run(ClusterProcesses.teleport, configure)
        XCTAssertEqual(configured.status, 0, configured.combined)
        let node = try cluster.startNode(name, ["-c", config], environment: trustingTheProxy.merging(environment) { $1 })
        let listed = try await cluster.waitForNode(name)
        guard listed.contains(name) else { throw TestFailure("\(name) was not listed: \(listed)\n\(node.output)") }
        guard await node.waitForOutput("reverse tunnel to the Proxy Service is up", seconds: 20) else {
            throw TestFailure("\(name)'s reverse tunnel did not come up: \(node.output)")
        }
        return node
    }

    /// `tctl users add` and the invite link it prints.
    func addUser(_ name: String, roles: String, logins: String) throws -> URL {
        let added = try cluster.tctl(["users", "add", name, "--roles=\(roles)", "--logins=\(logins)"])
        guard added.status == 0,
              let line = added.stdout.split(separator: "\n").first(where: { $0.hasPrefix("https://") }),
              let url = URL(string: String(line)) else {
            throw TestFailure("tctl users add failed: \(added.combined)")
        }
        return url
    }

    /// Completes an invite the way a browser form does (curl), returning the OTP secret.
    func completeInvite(_ url: URL, password: String) throws -> String {
        let page = try Command.run("/usr/bin/curl", ["-sS", "-k", url.absoluteString])
        guard let secret = Self.between(page.stdout, "<code id=\"otp_secret\">", "</code>") else {
            throw TestFailure("the invite page shows no OTP secret: \(page.combined)")
        }
        let device = try TOTPDevice(base32Secret: secret)
        let code = device.code(at: Date())
        let form = ["password=\(password)", "password_confirm=\(password)", "otp_code=\(code)"].joined(separator: "&")
        let done = try Command.run("/usr/bin/curl", ["-sS", "-k", "-d", form, url.absoluteString])
        guard done.stdout.contains("id=\"done\"") else { throw TestFailure("the invite was not completed: \(done.combined)") }
        if let counter = device.matchingCounter(for: code, at: Date(), lastUsedCounter: nil) { lastCounters[secret] = counter }
        return secret
    }

    /// A code for the device not used before (waits for the next 30-second step when needed).
    func nextCode(_ secret: String) async throws -> String {
        let device = try TOTPDevice(base32Secret: secret)
        for _ in 0..<80 {
            for offset in [0.0, 30.0] {
                let at = Date().addingTimeInterval(offset)
                let code = device.code(at: at)
                if let counter = device.matchingCounter(for: code, at: Date(), lastUsedCounter: lastCounters[secret]) {
                    lastCounters[secret] = counter
                    return code
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw TestFailure("no unused OTP code came up")
    }

    /// Records a counter the browser used at enrollment.
    func noteUsed(_ secret: String, code: String, at date: Date) throws {
        let device = try TOTPDevice(base32Secret: secret)
        for offset in [-30.0, 0, 30] {
            if device.code(at: date.addingTimeInterval(offset)) == code {
                lastCounters[secret] = UInt64((date.addingTimeInterval(offset).timeIntervalSince1970 / 30).rounded(.down))
            }
        }
    }

    /// Runs tsh with this harness's home; `input` is written to its standard input. The
    /// proxy's self-signed web certificate is trusted through `SSL_CERT_FILE`, as an operator
    /// trusts a private CA (no `--insecure`).
    func tsh(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], timeout: Double = 60) throws -> CommandResult {
        var env = ["TELEPORT_HOME": home.path, "SSL_CERT_FILE": cluster.proxyCAPath].merging(environment) { $1 }
        guard let input else { return try Command.run(Self.tsh, arguments, environment: env, timeout: timeout) }
        env["TSH_INPUT"] = input
        return try Command.run("/bin/sh", ["-c", "printf '%s' \"$TSH_INPUT\" | \"$0\" \"$@\"", Self.tsh.path] + arguments,
                               environment: env, timeout: timeout)
    }

    /// `tsh login` as `user` with a fresh OTP code.
    func login(_ user: String, password: String, secret: String, extra: [String] = []) async throws -> CommandResult {
        let code = try await nextCode(secret)
        return try tsh(["login", "--proxy=\(cluster.proxyAddress)", "--user=\(user)"] + extra,
                       input: "\(password)\n\(code)\n")
    }

    /// The real OpenSSH client with `tsh config`'s settings, without checking the node's host
    /// key (for users whom the cluster no longer answers, so the refusal comes from the node).
    func openSSH(_ destination: String, _ command: String) throws -> CommandResult {
        let config = cluster.directory.appendingPathComponent("ssh_config_\(UUID().uuidString)")
        try tsh(["config"]).stdout.write(to: config, atomically: true, encoding: .utf8)
        let host = destination.contains(".") ? destination : destination + "." + Self.clusterName
        return try Command.run("/usr/bin/ssh", ["-F", config.path, "-o", "StrictHostKeyChecking=no", "-o", "KnownHostsCommand=none",
                                                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", host, command],
                               environment: ["TELEPORT_HOME": home.path, "SSL_CERT_FILE": cluster.proxyCAPath], timeout: 60)
    }

    /// The audit log as JSON objects.
    func auditEvents() throws -> [[String: Any]] {
        let audit = try cluster.tctl(["audit", "ls", "--format=json", "--limit=1000"])
        return audit.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Polls the audit log (bounded) until an event satisfies `match`.
    func waitForEvent(seconds: Double = 10, _ match: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let found = try auditEvents().first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    /// Where tests keep what a person would want to look at afterwards (screenshots).
    static var artifacts: URL {
        let base = ProcessInfo.processInfo.environment["JOINERY_TEST_ARTIFACTS"]
            ?? FileManager.default.currentDirectoryPath + "/.build/test-artifacts"
        let url = URL(fileURLWithPath: base).appendingPathComponent("server-access")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }
}

/// Audit-event field access.
extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String { self[key] as? String ?? "" }
    func attribute(_ key: String) -> String { (self["attributes"] as? [String: Any])?[key] as? String ?? "" }
}
