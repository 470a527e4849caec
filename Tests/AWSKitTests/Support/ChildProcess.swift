import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process a test started and must stop: output goes to a log file kept for failure messages.
final class ChildProcess: @unchecked Sendable {
    let process: Process
    let logFile: URL

    init(executable: String, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        self.logFile = logFile
        try process.run()
    }

    var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)).map { String($0.suffix(3000)) } ?? ""
    }

    /// Kills the process and waits for its exit.
    ///
    /// SIGKILL rather than SIGTERM: a child spawned from the test runner's threads inherits
    /// their blocked signal mask, so SIGTERM stays pending; these test servers keep no state
    /// worth a graceful exit. `waitUntilExit` runs on another thread because Foundation only
    /// notices the exit while a run loop turns, which that call does; the wait is bounded.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let exited = DispatchSemaphore(value: 0)
        let process = self.process
        Thread.detachNewThread {
            process.waitUntilExit()
            exited.signal()
        }
        _ = exited.wait(timeout: .now() + 5)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freeLocalPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
