import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The limits a server process sets for a fleet's connections, checked from outside with the
/// kernel's own view: the listen backlog of the Auth and Proxy ports as `ss` reports it (the
/// Send-Q of a listening socket is its backlog), and the open-file limit after a start under a
/// low soft limit.
final class ServerPortLimitsProcessTests: XCTestCase {
    private var cluster: ClusterProcesses?
    private var extra: ManagedProcess?

    override func tearDown() async throws {
        await extra?.stop()
        await cluster?.stop()
    }

    func testAuthPortTakesTheConfiguredBacklogAndTheProxyPortTheKernelsMaximum() async throws {
        let cluster = try ClusterProcesses(extraAuthYAML: "  listen_backlog: 777\n", withProxy: true)
        self.cluster = cluster
        try await cluster.startAuth()
        XCTAssertEqual(try Self.listenBacklog(port: cluster.port), 777)
        let somaxconn = try XCTUnwrap(Int(try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(try Self.listenBacklog(port: cluster.proxyPort), somaxconn)
        let output = cluster.auth?.output ?? ""
        XCTAssertTrue(output.contains("Auth service is listening") && output.contains("backlog=777"), output)
        XCTAssertTrue(output.contains("Proxy Service is listening") && output.contains("backlog=\(somaxconn)"), output)
    }

    func testABacklogOutOfRangeIsRefusedWithTheKeyAndTheRange() throws {
        let cluster = try ClusterProcesses(extraAuthYAML: "  listen_backlog: 0\n")
        self.cluster = cluster
        let result = try Command.run(ClusterProcesses.teleport, ["start", "-c", cluster.configFile.path], timeout: 20)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("auth_service.listen_backlog"), result.stderr)
        XCTAssertTrue(result.stderr.contains("from 1 to 65535"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.directory.appendingPathComponent("auth").path),
                       "a refused config must not create the data directory")
    }

    func testStartUnderALowSoftFileLimitRaisesItToTheHardLimitAndSaysSo() async throws {
        var limits = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits), 0)
        guard limits.rlim_max > 1024, limits.rlim_max != rlim_t.max else {
            throw XCTSkip("the hard open-file limit here (\(limits.rlim_max)) leaves nothing to raise")
        }
        let cluster = try ClusterProcesses()
        self.cluster = cluster
        let process = try ManagedProcess(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", "ulimit -S -n 1024 && exec \"$0\" start -c \"$1\"", ClusterProcesses.teleport.path, cluster.configFile.path],
            logDirectory: cluster.directory, name: "auth-low-limit")
        extra = process
        let listening = await process.waitForOutput("Auth service is listening")
        XCTAssertTrue(listening, process.output)
        XCTAssertTrue(process.output.contains("raised the open-file limit to the hard limit"), process.output)
        XCTAssertTrue(process.output.contains("was=1024"), process.output)
        XCTAssertTrue(process.output.contains("soft=\(limits.rlim_max)"), process.output)
    }

    /// The backlog of the socket listening on 127.0.0.1:`port`, from `ss -Hltn`.
    static func listenBacklog(port: Int) throws -> Int {
        let result = try Command.run(URL(fileURLWithPath: "/usr/bin/ss"), ["-Hltn", "sport = :\(port)"], timeout: 10)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first, "ss shows no listener on \(port): \(result.combined)")
        let columns = line.split(whereSeparator: \.isWhitespace)
        return try XCTUnwrap(columns.count > 2 ? Int(columns[2]) : nil, "unexpected ss line: \(line)")
    }
}
