import BoundKeypairJoin
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import TokenJoin
import Transport

/// A `teleport start` Auth server whose cluster state outlives its process: the state is
/// seeded in-process before the first start, the process is SIGKILLed and started again on
/// the same `data_dir` and backend, and once it is stopped the state is opened in-process
/// again to be checked.
///
/// The backend is SQLite in `data_dir` (the default) or a PostgreSQL database named by
/// `teleport.storage.conn_string`. Join rate limits are raised: every storm client comes
/// from 127.0.0.1.
final class CrashableAuthServer: @unchecked Sendable {
    enum Storage: Sendable {
        case sqlite
        case postgresql(connString: String)
    }

    /// The methods both halves use: stored tokens and bound keypairs.
    static let registry = JoinMethodRegistry(plugins: [.storedTokens, .boundKeypair])

    let directory: URL
    let storage: Storage
    let port: Int
    let configFile: URL
    /// The cluster's CAs, as the state held them when it was last opened in-process.
    private(set) var authorities: ClusterAuthorities?
    private(set) var pins: [CAPin] = []
    private var current: ManagedProcess?
    private var processes: [ManagedProcess] = []

    init(storage: Storage, name: String) throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw TestFailure("teleport binary not found at \(ClusterProcesses.teleport.path); run `swift build` first")
        }
        self.storage = storage
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-crash-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = FreePort.next()
        configFile = directory.appendingPathComponent("auth.yaml")
        var storageYAML = ""
        if case .postgresql(let conn) = storage {
            storageYAML = "  storage:\n    type: postgresql\n    conn_string: \(conn)\n"
        }
        try """
        version: v3
        teleport:
          nodename: crash-auth
          data_dir: \(dataDirectory.path)
        \(storageYAML)  log:
            severity: INFO
        auth_service:
          enabled: yes
          cluster_name: \(TestCluster.clusterName)
          listen_addr: 127.0.0.1:\(port)
          join_rate_limit:
            average: 100000
            burst: 100000
        ssh_service:
          enabled: no
        proxy_service:
          enabled: no

        """.write(to: configFile, atomically: true, encoding: .utf8)
    }

    var address: AuthAddress { AuthAddress(host: "127.0.0.1", port: port) }
    var dataDirectory: URL { directory.appendingPathComponent("auth") }
    /// Where `teleport start` keeps the SQLite backend by default.
    var sqliteFile: URL { dataDirectory.appendingPathComponent("backend/joinery.sqlite") }
    /// Every `teleport start` so far, oldest first (their logs are `auth-<n>.log`).
    var starts: [ManagedProcess] { processes }

    // MARK: The state, in-process

    /// Opens the cluster state in this process as a ``TestCluster`` (not serving), runs `body`
    /// and closes it again. Only while no `teleport start` runs on it.
    func withState<T: Sendable>(_ body: (TestCluster) async throws -> T) async throws -> T {
        let cluster = try await TestCluster(registry: Self.registry, backend: try await openBackend())
        authorities = cluster.server.authorities
        pins = cluster.pins()
        do {
            let value = try await body(cluster)
            await cluster.stop()
            return value
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private func openBackend() async throws -> any Backend {
        switch storage {
        case .sqlite:
            try FileManager.default.createDirectory(at: sqliteFile.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            return try SQLiteBackend(path: sqliteFile, clock: SystemClock())
        case .postgresql(let conn):
            return try await PostgreSQLBackend(
                connString: conn, clock: SystemClock(), logger: Logger(label: "crash-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    // MARK: The process

    /// Starts `teleport start` on the state and waits until it listens.
    func start() async throws {
        let process = try ManagedProcess(ClusterProcesses.teleport, ["start", "-c", configFile.path],
                                         logDirectory: directory, name: "auth-\(processes.count + 1)")
        processes.append(process)
        current = process
        guard await process.waitForOutput("Auth service is listening", seconds: 30) else {
            throw TestFailure("the Auth server did not start on its own state: \(process.output.suffix(3000))")
        }
    }

    /// SIGKILL; the exit status (137).
    func killAbruptly() async -> Int32? {
        guard let current else { return nil }
        await current.killAbruptly()
        return current.status
    }

    /// SIGTERM (then SIGKILL) for every process started; safe to call twice.
    func stop() async {
        for process in processes { await process.stop() }
    }

    func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: SQLite integrity

    /// `PRAGMA integrity_check` by the `sqlite3` tool on the SQLite backend. With
    /// `crashImage`, on a copy of the database and its WAL as the dead process left them, so
    /// that the next `teleport start` still recovers the original itself. `"ok"` when sound.
    func sqliteIntegrity(crashImage: Bool) throws -> String {
        let sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let sqlite3 else {
            throw TestFailure("the sqlite3 tool is not installed; scripts/install-deps installs it")
        }
        var file = sqliteFile
        var copy: URL?
        if crashImage {
            let scratch = directory.appendingPathComponent("integrity-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] {
                let source = URL(fileURLWithPath: sqliteFile.path + suffix)
                guard FileManager.default.fileExists(atPath: source.path) else { continue }
                try FileManager.default.copyItem(at: source, to: scratch.appendingPathComponent("joinery.sqlite" + suffix))
            }
            file = scratch.appendingPathComponent("joinery.sqlite")
            copy = scratch
        }
        defer { if let copy { try? FileManager.default.removeItem(at: copy) } }
        let result = try Command.run(sqlite3, [file.path, "PRAGMA integrity_check"], timeout: 30)
        return (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
