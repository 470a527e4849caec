import Foundation
import SSHService
import TestSupport
import XCTest

/// Connections that stall before authenticating, and sessions whose client goes away.
final class ConnectionLifecycleTests: XCTestCase {
    private var bed: SSHTestBed!

    override func tearDown() async throws {
        await bed?.tearDown()
    }

    func testUnauthenticatedConnectionIsClosedAfterTheDeadline() async throws {
        bed = try SSHTestBed()
        try await bed.start(authenticationTimeout: .milliseconds(500))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(bed.port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let started = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 {
                XCTAssertEqual(count, 0, "expected the server to close, got errno \(errno)")
                break
            }
            received += buffer.prefix(count)
        }
        XCTAssertTrue(String(decoding: received, as: UTF8.self).hasPrefix("SSH-2.0-"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testClientDisconnectHangsUpTheSessionsProcess() async throws {
        try await CertificateLoginSupport.require()
        bed = try SSHTestBed()
        try await bed.start()
        let key = try bed.userKey("alice", ca: bed.userCA)
        let marker = bed.directory.appendingPathComponent("started").path
        let client = try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/ssh"),
            bed.clientOptions(key: key) + ["root@127.0.0.1", "touch \(shellQuoted(marker)); exec sleep 60"],
            logDirectory: bed.directory, name: "ssh-client")
        let start = await bed.auditor.waitFor(.sessionStart)
        XCTAssertNotNil(start)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: marker) && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        await client.killAbruptly()

        let end = await bed.auditor.waitFor(.sessionEnd, seconds: 10)
        XCTAssertEqual(end?.exitCode, 128 + SIGHUP, "sleep should have been hung up")
        XCTAssertLessThan(end?.durationSeconds ?? 60, 30)
    }
}
