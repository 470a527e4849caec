import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import XCTest

/// Issue 15, "fail closed": with neither CA pins, a CA file nor `--insecure`, the real
/// `teleport start` refuses to join before it opens any connection, and says what to pass.
final class FailClosedTests: XCTestCase {
    /// A TCP listener on 127.0.0.1 that only counts the connections it accepts.
    private final class CountingListener: Sendable {
        final class Count: Sendable {
            let value = Mutex(0)
        }

        let channel: any Channel
        let accepted = Count()

        init() async throws {
            let accepted = self.accepted
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { child in
                    accepted.value.withLock { $0 += 1 }
                    return child.close()
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var port: Int { channel.localAddress?.port ?? 0 }
        var count: Int { accepted.value.withLock { $0 } }
    }

    private func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fail-closed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    func testTeleportStartWithoutPinsOrInsecureRefusesBeforeConnecting() async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw XCTSkip("teleport binary not found at \(ClusterProcesses.teleport.path)")
        }
        let listener = try await CountingListener()
        defer { listener.channel.close(promise: nil) }
        let directory = try scratch()
        let result = try Command.run(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=a-secret-join-token-0123456789", "--auth-server=127.0.0.1:\(listener.port)",
            "--data-dir=\(directory.appendingPathComponent("data").path)",
        ], environment: ["SSL_CERT_FILE": ""], timeout: 60)
        XCTAssertNotEqual(result.status, 0, result.combined)
        for named in ["--ca-pin", "--insecure", "--ca-path", "Nothing was sent"] {
            XCTAssertTrue(result.combined.contains(named), "the refusal should name \(named): \(result.combined)")
        }
        XCTAssertFalse(result.combined.contains("a-secret-join-token-0123456789"), "the token was printed")
        // Give a stray connection time to land before counting.
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(listener.count, 0, "teleport connected before refusing")
    }

    /// The control: the same command with `--insecure` does connect, so the count above can fail.
    func testTheSameCommandWithInsecureDoesConnect() async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw XCTSkip("teleport binary not found at \(ClusterProcesses.teleport.path)")
        }
        let listener = try await CountingListener()
        defer { listener.channel.close(promise: nil) }
        let directory = try scratch()
        let process = try ManagedProcess(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=a-secret-join-token-0123456789", "--auth-server=127.0.0.1:\(listener.port)",
            "--data-dir=\(directory.appendingPathComponent("data").path)", "--insecure",
        ], logDirectory: directory, name: "teleport")
        var connected = false
        for _ in 0..<100 where !connected {
            try await Task.sleep(for: .milliseconds(100))
            connected = listener.count > 0
        }
        await process.stop()
        XCTAssertTrue(connected, process.output)
    }
}
