import Foundation
import XCTest

/// A cluster made of the real binaries: an Auth server process on 127.0.0.1 with its own
/// scratch directory, plus helpers to run tctl and start nodes. `stop()` ends every process.
public final class ClusterProcesses: @unchecked Sendable {
    public static let binaries: URL = {
        if let explicit = ProcessInfo.processInfo.environment["JOINERY_BIN_DIR"] { return URL(fileURLWithPath: explicit) }
        // The test bundle sits in the build products directory next to the executables.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }()
    public static var teleport: URL { binaries.appendingPathComponent("teleport") }
    public static var tctl: URL { binaries.appendingPathComponent("tctl") }

    public let directory: URL
    public let port: Int
    public let proxyPort: Int
    public let withProxy: Bool
    public let configFile: URL
    public private(set) var auth: ManagedProcess?
    private let authEnvironment: [String: String]
    private var others: [ManagedProcess] = []

    /// - Parameters:
    ///   - extraAuthYAML: lines appended inside `auth_service:` (indented two spaces).
    ///   - authEnvironment: extra environment for the Auth server process (e.g. AWS endpoints).
    ///   - withProxy: run the Proxy Service beside the Auth service, on ``proxyAddress`` with a
    ///     self-signed web certificate (``proxyCAPath``).
    public init(staticTokens: [String] = [], extraAuthYAML: String = "", authEnvironment: [String: String] = [:],
                withProxy: Bool = false) throws {
        self.authEnvironment = authEnvironment
        self.withProxy = withProxy
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw XCTSkip("teleport binary not found at \(ClusterProcesses.teleport.path); run `swift build` first")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = FreePort.next()
        proxyPort = FreePort.next()
        configFile = directory.appendingPathComponent("auth.yaml")
        let tokens = staticTokens.isEmpty ? "" : "  tokens:\n" + staticTokens.map { "    - \"\($0)\"\n" }.joined()
        try """
        version: v3
        teleport:
          nodename: auth-host
          data_dir: \(directory.path)/auth
          log:
            severity: DEBUG
        auth_service:
          enabled: yes
          cluster_name: it.example.com
          listen_addr: 127.0.0.1:\(port)
        \(tokens)\(extraAuthYAML)ssh_service:
          enabled: no
        proxy_service:
          enabled: \(withProxy ? "yes" : "no")
          web_listen_addr: 127.0.0.1:\(proxyPort)

        """.write(to: configFile, atomically: true, encoding: .utf8)
    }

    public var authAddress: String { "127.0.0.1:\(port)" }
    /// The Proxy Service's web address (when started `withProxy`).
    public var proxyAddress: String { "127.0.0.1:\(proxyPort)" }
    /// The self-signed web certificate the Proxy Service made, to trust it with `ca_path`.
    public var proxyCAPath: String { directory.appendingPathComponent("auth/proxy/webcert.pem").path }

    /// Starts `teleport start -c auth.yaml` plus `extraArguments` (e.g. `--diag-addr=…`) and
    /// waits until it listens.
    public func startAuth(extraArguments: [String] = []) async throws {
        let process = try ManagedProcess(ClusterProcesses.teleport, ["start", "-c", configFile.path] + extraArguments,
                                         environment: authEnvironment, logDirectory: directory, name: "auth")
        auth = process
        guard await process.waitForOutput("Auth service is listening") else {
            throw XCTSkip("auth server did not start: \(process.output)")
        }
        if withProxy, !(await process.waitForOutput("Proxy Service is listening")) {
            throw XCTSkip("the Proxy Service did not start: \(process.output)")
        }
    }

    public func tctl(_ arguments: [String]) throws -> CommandResult {
        try Command.run(ClusterProcesses.tctl, ["-c", configFile.path] + arguments)
    }

    /// The CA pin `tctl status` prints.
    public func caPin() throws -> String {
        let status = try tctl(["status"])
        guard let line = status.stdout.split(separator: "\n").first(where: { $0.hasPrefix("CA pin") }),
              let pin = line.split(separator: " ").last else {
            throw TestFailure("tctl status printed no CA pin: \(status.combined)")
        }
        return String(pin)
    }

    public func addToken(type: String = "node", ttl: String = "5m") throws -> String {
        let result = try tctl(["tokens", "add", "--type=\(type)", "--ttl=\(ttl)", "--format=text"])
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !token.isEmpty else { throw XCTSkip("tctl tokens add failed: \(result.combined)") }
        return token
    }

    /// Starts `teleport start` with `arguments`; the caller waits on its output.
    public func startNode(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ManagedProcess {
        let process = try ManagedProcess(ClusterProcesses.teleport, ["start"] + arguments,
                                         environment: ["JOINERY_HEARTBEAT_INTERVAL": "1"].merging(environment) { $1 },
                                         logDirectory: directory, name: name)
        others.append(process)
        return process
    }

    public func nodeDataDirectory(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Polls `tctl nodes ls` (bounded) until a line contains `text`.
    public func waitForNode(_ text: String, seconds: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try tctl(["nodes", "ls"]).stdout
            if last.contains(text) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    public func stop() async {
        for process in others { await process.stop() }
        await auth?.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
