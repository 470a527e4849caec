import Agent
import Crypto
import Foundation
import JoinCore
import Logging
import PluginHost
import TestSupport
import Transport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// External join methods with the real binaries (issue 8): the x509pop example, built from its
/// own package in examples/x509pop without touching Joinery's sources, is loaded by name by
/// `teleport start` on both sides and joins a node; a program whose checksum does not match is
/// refused; and a plugin that dies in the middle of a join (the test fixture) fails that join
/// only — the next one is served by a restarted program.
final class ExternalJoinPluginEndToEndTests: XCTestCase {
    private var cluster: ClusterProcesses?

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// scripts/test builds the example as its own package, in its own scratch path.
    private static var x509popProgram: String { repository.appendingPathComponent("examples/x509pop/.build/debug/x509pop").path }
    private static var fixtureProgram: String { ClusterProcesses.binaries.appendingPathComponent("joinery-fixture-plugin").path }

    private func sha256(of path: String) throws -> String {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path),
                                  "\(path) is missing: run ./scripts/test, which builds examples/x509pop first")
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private func shell(_ script: String, in directory: URL) throws {
        let result = try Command.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "cd '\(directory.path)' && \(script)"])
        XCTAssertEqual(result.status, 0, result.combined)
    }

    /// An operator's CA and one host certificate, made with openssl as the example's README says.
    private func makeCertificates(in directory: URL, commonName: String) throws {
        try shell("""
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null &&
            openssl req -x509 -new -key ca.key -subj '/CN=Fleet CA' -days 2 -out ca.pem \
              -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign' &&
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out host.key 2>/dev/null &&
            openssl req -new -key host.key -subj '/CN=\(commonName)' -out host.csr &&
            printf 'keyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n' > host.ext &&
            openssl x509 -req -in host.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out host.pem -extfile host.ext 2>/dev/null
            """, in: directory)
    }

    private func pluginYAML(name: String, command: String, sha256: String, config: String, indent: String) -> String {
        """
        \(indent)join_plugins:
        \(indent)  - name: \(name)
        \(indent)    command: \(command)
        \(indent)    sha256: \(sha256)
        \(indent)    config: \(config)

        """
    }

    private func nodeConfig(_ cluster: ClusterProcesses, name: String, token: String, method: String, plugin: String,
                            joinParams: String = "") throws -> String {
        let path = cluster.directory.appendingPathComponent("\(name).yaml").path
        try """
        version: v3
        teleport:
          nodename: \(name)
          data_dir: \(cluster.nodeDataDirectory(name))
          auth_server: \(cluster.authAddress)
          ca_pin: \(try cluster.caPin())
          join_params:
            token_name: \(token)
            method: \(method)\(joinParams)
        \(plugin)auth_service:
          enabled: no
        ssh_service:
          enabled: yes
        proxy_service:
          enabled: no
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testTheX509PopExampleJoinsANodeThroughTheRealBinaries() async throws {
        let digest = try sha256(of: Self.x509popProgram)
        let pki = FileManager.default.temporaryDirectory.appendingPathComponent("x509pop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: pki) }
        try makeCertificates(in: pki, commonName: "build-host-1")

        let serverPlugin = pluginYAML(name: "x509pop", command: Self.x509popProgram, sha256: digest,
                                      config: "{ca_bundle_path: \(pki.path)/ca.pem}", indent: "  ")
        let cluster = try ClusterProcesses(extraAuthYAML: serverPlugin)
        self.cluster = cluster
        try await cluster.startAuth()

        let listing = try cluster.tctl(["join-methods", "ls"])
        XCTAssertEqual(listing.status, 0, listing.combined)
        let row = try XCTUnwrap(listing.stdout.split(separator: "\n").first { $0.hasPrefix("x509pop") }, listing.stdout)
        XCTAssertTrue(row.contains("external") && row.contains("yes") && row.contains(digest), String(row))
        XCTAssertTrue(listing.stdout.contains("built-in"), listing.stdout)

        let tokenFile = cluster.directory.appendingPathComponent("token.yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: fleet-x509
        spec:
          roles: [Node]
          join_method: x509pop
          x509pop:
            allow:
              - common_name: "build-host-*"
        """.write(to: tokenFile, atomically: true, encoding: .utf8)
        let created = try cluster.tctl(["create", "-f", tokenFile.path])
        XCTAssertEqual(created.status, 0, created.combined)

        let clientPlugin = pluginYAML(name: "x509pop", command: Self.x509popProgram, sha256: digest,
                                      config: "{certificate_path: \(pki.path)/host.pem, private_key_path: \(pki.path)/host.key}",
                                      indent: "  ")
        let config = try nodeConfig(cluster, name: "x509-node", token: "fleet-x509", method: "x509pop",
                                    plugin: clientPlugin.replacingOccurrences(of: "\n  join_plugins", with: "\n  join_plugins"))
        let node = try cluster.startNode("x509-node", ["-c", config])
        let nodes = try await cluster.waitForNode("x509-node")
        XCTAssertTrue(nodes.contains("x509-node"), "\(nodes)\nnode: \(node.output)\nauth: \(cluster.auth?.output.suffix(3000) ?? "")")
        let audit = try cluster.tctl(["audit", "ls", "--format=json"])
        XCTAssertTrue(audit.stdout.contains("\"x509pop.subject_common_name\":\"build-host-1\""), audit.stdout)
    }

    func testKillingTheX509PopProgramMidJoinFailsThatJoinOnlyAndTheNextJoinSucceeds() async throws {
        let digest = try sha256(of: Self.x509popProgram)
        let pki = FileManager.default.temporaryDirectory.appendingPathComponent("x509pop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: pki) }
        try makeCertificates(in: pki, commonName: "build-host-2")
        let cluster = try ClusterProcesses(extraAuthYAML: pluginYAML(
            name: "x509pop", command: Self.x509popProgram, sha256: digest, config: "{ca_bundle_path: \(pki.path)/ca.pem}", indent: "  "))
        self.cluster = cluster
        try await cluster.startAuth()
        let tokenFile = cluster.directory.appendingPathComponent("token.yaml")
        try "kind: token\nversion: v2\nmetadata:\n  name: fleet-x509\nspec:\n  roles: [Node]\n  join_method: x509pop\n"
            .write(to: tokenFile, atomically: true, encoding: .utf8)
        XCTAssertEqual(try cluster.tctl(["create", "-f", tokenFile.path]).status, 0)

        // The joining side runs the real program too; a wrapper around its prover kills the Auth
        // server's x509pop program just before answering the challenge, i.e. mid-join.
        let client = try ExternalPluginSpec(name: "x509pop", command: Self.x509popProgram, sha256: digest, settings: .object([
            "certificate_path": .string("\(pki.path)/host.pem"), "private_key_path": .string("\(pki.path)/host.key"),
        ]))
        let inner = ExternalJoinPlugins.clientPlugin(client, logger: Logger(label: "x509pop-client"))
        let auth = try XCTUnwrap(cluster.auth)
        let killing = JoinMethodPlugin(name: "x509pop", makeMethod: inner.makeMethod, makeProver: { context in
            KillingProver(inner: try inner.makeProver(context)) {
                let pid = Self.latestPluginPID(in: auth.output)
                if let pid { kill(pid, SIGKILL) }
                return pid != nil
            }
        })
        let parameters = JoinParameters(authServer: try AuthAddress(parsing: cluster.authAddress), tokenName: "fleet-x509",
                                        method: "x509pop", role: .node, nodeName: "killed-mid-join", insecure: true)
        do {
            _ = try await JoinClient(registry: JoinMethodRegistry(plugins: [killing]), logger: Logger(label: "t")).join(parameters)
            XCTFail("the join survived its plugin being killed")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("join plugin x509pop failed during attestation"), error.message)
            XCTAssertTrue(error.message.contains("will be restarted"), error.message)
        }
        var next = parameters
        next.nodeName = "after-restart"
        let identity = try await JoinClient(registry: JoinMethodRegistry(plugins: [inner]), logger: Logger(label: "t")).join(next)
        XCTAssertFalse(identity.hostID.isEmpty)
        XCTAssertEqual(auth.output.components(separatedBy: "started join plugin").count - 1, 2, auth.output)
    }

    /// The pid in the Auth server's newest "started join plugin" log line.
    private static func latestPluginPID(in log: String) -> pid_t? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains("started join plugin") }),
              let range = line.range(of: "pid=") else { return nil }
        return pid_t(line[range.upperBound...].prefix { $0.isNumber })
    }

    func testAProgramWithTheWrongChecksumStopsTheAuthServerFromStarting() async throws {
        let wrong = String(repeating: "0", count: 64)
        let cluster = try ClusterProcesses(extraAuthYAML: pluginYAML(
            name: "x509pop", command: Self.x509popProgram, sha256: wrong, config: "{ca_bundle_path: /nonexistent}", indent: "  "))
        self.cluster = cluster
        let result = try Command.run(ClusterProcesses.teleport, ["start", "-c", cluster.configFile.path], timeout: 30)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.combined.contains("refusing to start it"), result.combined)
        XCTAssertTrue(result.combined.contains(try sha256(of: Self.x509popProgram)), result.combined)
        XCTAssertFalse(result.combined.contains("Auth service is listening"), result.combined)
    }

    func testAPluginThatDiesMidJoinFailsThatJoinOnlyAndIsRestartedForTheNext() async throws {
        let digest = try sha256(of: Self.fixtureProgram)
        let cluster = try ClusterProcesses(extraAuthYAML: pluginYAML(
            name: "fixture", command: Self.fixtureProgram, sha256: digest, config: "{}", indent: "  "))
        self.cluster = cluster
        try await cluster.startAuth()
        let tokenFile = cluster.directory.appendingPathComponent("fixture-token.yaml")
        try """
        kind: token
        version: v2
        metadata:
          name: fixture-token
        spec:
          roles: [Node]
          join_method: fixture
        """.write(to: tokenFile, atomically: true, encoding: .utf8)
        XCTAssertEqual(try cluster.tctl(["create", "-f", tokenFile.path]).status, 0)
        let clientPlugin = pluginYAML(name: "fixture", command: Self.fixtureProgram, sha256: digest, config: "{}", indent: "  ")

        let crashing = try nodeConfig(cluster, name: "crashing", token: "fixture-token", method: "fixture", plugin: clientPlugin,
                                      joinParams: "\n    fixture:\n      behaviour: crash")
        let failed = try Command.run(ClusterProcesses.teleport, ["start", "-c", crashing], timeout: 60)
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.combined.contains("will be restarted"), failed.combined)

        // A built-in method is unaffected, and the next fixture join runs on a new program.
        let pin = try cluster.caPin()
        let token = try cluster.addToken()
        _ = try cluster.startNode("token-node", ["--roles=node", "--token=\(token)", "--ca-pin=\(pin)", "--auth-server=\(cluster.authAddress)",
                                                 "--data-dir=\(cluster.nodeDataDirectory("token-node"))", "--nodename=token-node"])
        let healthy = try nodeConfig(cluster, name: "healthy", token: "fixture-token", method: "fixture", plugin: clientPlugin)
        _ = try cluster.startNode("healthy", ["-c", healthy])
        let nodes = try await cluster.waitForNode("healthy")
        XCTAssertTrue(nodes.contains("healthy") && nodes.contains("token-node"), nodes)
        let auth = try XCTUnwrap(cluster.auth).output
        XCTAssertTrue(auth.contains("join plugin failed; it will be restarted"), auth)
        // Started at start-up, and again after each failed attempt (the crashing node retried
        // a few times, as a node does when its join is `unavailable`).
        XCTAssertGreaterThanOrEqual(auth.components(separatedBy: "started join plugin").count - 1, 2, "expected a restart")
    }
}

/// Runs `beforeAnswering` (which kills the Auth server's plugin program) when the challenge
/// arrives, then lets the real prover answer.
private struct KillingProver: JoinProver {
    let inner: any JoinProver
    let beforeAnswering: @Sendable () -> Bool

    var name: String { inner.name }
    func initialPayload(for request: ProofRequest) async throws -> Data { try await inner.initialPayload(for: request) }
    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        guard beforeAnswering() else { throw JoinError.internalError("no plugin pid in the Auth server's log") }
        try await Task.sleep(for: .milliseconds(200))
        return try await inner.answer(challenge, for: request)
    }
    func finish(methodResult: Data, for request: ProofRequest) async throws { try await inner.finish(methodResult: methodResult, for: request) }
}
