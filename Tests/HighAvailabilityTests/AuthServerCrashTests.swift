import Agent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import Logging
import TestSupport
import TokenJoin
import Transport
import XCTest

/// Two `teleport start` Auth server processes on one PostgreSQL; one is SIGKILLed in the middle
/// of a stream of joins. The other keeps serving, every client that received certificates is
/// listed as a node, and each of those joins is audited exactly once.
final class AuthServerCrashTests: XCTestCase {
    private var postgres: PostgresServer?
    private var processes: [ManagedProcess] = []
    private var directory: URL!

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw TestFailure("teleport binary not found at \(ClusterProcesses.teleport.path); run `swift build` first")
        }
        postgres = try PostgresServer()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-ha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        for process in processes { await process.stop() }
        postgres?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes server `name`'s teleport.yaml (shared storage, own data_dir and port) and starts it.
    private func startAuth(_ name: String, conn: String) async throws -> (config: String, address: AuthAddress) {
        let port = FreePort.next()
        let config = directory.appendingPathComponent("\(name).yaml").path
        try """
        version: v3
        teleport:
          nodename: \(name)
          data_dir: \(directory.path)/\(name)
          storage:
            type: postgresql
            conn_string: \(conn)
          log:
            severity: INFO
        auth_service:
          enabled: yes
          cluster_name: ha.example.com
          listen_addr: 127.0.0.1:\(port)
        ssh_service:
          enabled: no
        proxy_service:
          enabled: no
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(ClusterProcesses.teleport, ["start", "-c", config], logDirectory: directory, name: name)
        processes.append(process)
        guard await process.waitForOutput("Auth service is listening", seconds: 60) else {
            throw TestFailure("\(name) did not start: \(process.output)")
        }
        return (config, try AuthAddress(parsing: "127.0.0.1:\(port)"))
    }

    private func tctl(_ config: String, _ arguments: [String]) throws -> CommandResult {
        let result = try Command.run(ClusterProcesses.tctl, ["-c", config] + arguments)
        XCTAssertEqual(result.status, 0, result.combined)
        return result
    }

    func testKillingOneAuthServerMidStreamLosesNothing() async throws {
        let conn = try XCTUnwrap(postgres).connString
        let first = try await startAuth("auth-a", conn: conn)
        let second = try await startAuth("auth-b", conn: conn)
        let token = try tctl(first.config, ["tokens", "add", "--type=node", "--ttl=30m", "--format=text"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pinLine = try tctl(second.config, ["status"]).stdout.split(separator: "\n").first { $0.hasPrefix("CA pin") }
        let pin = try CAPin(parsing: String(try XCTUnwrap(pinLine?.split(separator: " ").last)))

        let logger = Logger(label: "ha-test")
        let failover = AuthFailover(addresses: [first.address, second.address],
                                    backoff: JitteredBackoff(initial: .milliseconds(100), maximum: .seconds(1)), rounds: 10, logger: logger)
        let client = JoinClient(registry: JoinMethodRegistry(plugins: [.storedTokens]), logger: logger)
        let victim = try XCTUnwrap(processes.first)
        let completed = Counter()

        /// One node: join through whichever server answers, then heartbeat once the same way.
        @Sendable func node(_ index: Int) async throws -> String {
            let identity = try await failover.run { address in
                try await client.join(JoinParameters(authServer: address, tokenName: token, method: "token", role: .node,
                                                     nodeName: "node-\(index)", caPins: [pin]))
            }
            let heartbeater = Heartbeater(identity: identity, authServers: [first.address, second.address],
                                          announcement: .init(hostname: identity.nodeName, address: "", labels: [:]),
                                          interval: .seconds(1), logger: logger)
            _ = try await failover.run { address in
                let transport = try AuthTransports.authenticated(
                    address, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                    trustedCAsPEM: identity.tlsCACertificates)
                return try await RPCErrorTranslation.translating(address) {
                    try await withGRPCClient(transport: transport) { try await heartbeater.beatOnce($0, to: address) }
                }
            }
            if completed.increment() == 6 { await victim.killAbruptly() }
            return identity.hostID
        }

        let hostIDs = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<3 {
                group.addTask {
                    var ids: [String] = []
                    for step in 0..<8 { ids.append(try await node(worker * 8 + step)) }
                    return ids
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        XCTAssertEqual(hostIDs.count, 24, "every client got certificates")
        XCTAssertFalse(victim.isRunning, "the first Auth server was killed")
        XCTAssertEqual(victim.status, 128 + 9, "SIGKILL")

        // Every client that received certificates is a node, as the surviving server sees it.
        let nodes = try tctl(second.config, ["nodes", "ls", "--format=json"]).stdout
        let listed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(nodes.utf8)) as? [[String: Any]])
            .compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(Set(listed), Set(hostIDs))

        // Each of those joins is audited exactly once; the token is still there.
        let audit = try tctl(second.config, ["audit", "ls", "--format=json", "--limit=1000"]).stdout
        let events = audit.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let successes = events.filter { $0["type"] as? String == "instance.join" && $0["success"] as? Bool == true }
        for hostID in hostIDs {
            XCTAssertEqual(successes.filter { $0["host_id"] as? String == hostID }.count, 1, "host \(hostID)")
        }
        let tokens = try tctl(second.config, ["tokens", "ls", "--with-secrets", "--format=json"]).stdout
        XCTAssertTrue(tokens.contains(token), "the multi-use token survived")
    }
}

/// A thread-safe counter for the workers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
