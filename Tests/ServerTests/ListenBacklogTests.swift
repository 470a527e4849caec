import Foundation
import JoinCore
import ListenSockets
import XCTest

/// The backlog a server port asks for, and the socket made with it.
final class ListenBacklogTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ text: String) throws -> String {
        let path = directory.appendingPathComponent(UUID().uuidString).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testKernelMaximumIsReadFromItsFileAndFallsBackWhenUnreadable() throws {
        XCTAssertEqual(ListenBacklog.readKernelMaximum(path: try file("1234\n")), 1234)
        XCTAssertEqual(ListenBacklog.readKernelMaximum(path: try file("not a number")), ListenBacklog.fallback)
        XCTAssertEqual(ListenBacklog.readKernelMaximum(path: try file("0")), ListenBacklog.fallback)
        XCTAssertEqual(ListenBacklog.readKernelMaximum(path: directory.appendingPathComponent("absent").path),
                       ListenBacklog.fallback)
    }

    func testUnconfiguredAsksForTheKernelsMaximumAndALargerValueIsReportedAsCapped() {
        let standard = ListenBacklog(configured: nil, kernelMaximum: 4096)
        XCTAssertEqual(standard.requested, 4096)
        XCTAssertFalse(standard.cappedByKernel)
        let small = ListenBacklog(configured: 300, kernelMaximum: 4096)
        XCTAssertEqual(small.effective, 300)
        XCTAssertFalse(small.cappedByKernel)
        let large = ListenBacklog(configured: 10_000, kernelMaximum: 4096)
        XCTAssertEqual(large.effective, 4096)
        XCTAssertTrue(large.cappedByKernel)
    }

    func testATakenPortIsRefusedNamingTheSettingAndWhoMayHoldIt() throws {
        let first = try ListeningSocket.open(host: "127.0.0.1", port: 0, backlog: ListenBacklog(configured: 16),
                                             setting: "auth_service.listen_addr", holder: "another Auth server")
        defer { first.closeUnused() }
        let port = try Self.port(of: first.descriptor)
        XCTAssertThrowsError(try ListeningSocket.open(host: "127.0.0.1", port: port, backlog: ListenBacklog(configured: 16),
                                                      setting: "auth_service.listen_addr", holder: "another Auth server")) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertEqual(message, "cannot listen on 127.0.0.1:\(port): the address is already in use (is another Auth server running?); "
                + "change auth_service.listen_addr or stop the other process")
        }
    }

    func testAHostThatIsNotAnIPAddressIsRefused() {
        XCTAssertThrowsError(try ListeningSocket.open(host: "auth.example.com", port: 0, backlog: ListenBacklog(configured: 16),
                                                      setting: "auth_service.listen_addr", holder: "another Auth server")) { error in
            XCTAssertEqual((error as? JoinError)?.message, "auth_service.listen_addr: \"auth.example.com\" is not an IP address")
        }
    }

    func testIPv6LoopbackIsBound() throws {
        let socket: ListeningSocket
        do {
            socket = try ListeningSocket.open(host: "[::1]", port: 0, backlog: ListenBacklog(configured: 16),
                                              setting: "auth_service.listen_addr", holder: "another Auth server")
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        defer { socket.closeUnused() }
        XCTAssertGreaterThan(try Self.port(of: socket.descriptor), 0)
    }

    /// The port the kernel gave a socket bound to port 0.
    static func port(of descriptor: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw JoinError.unavailable("getsockname failed") }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
