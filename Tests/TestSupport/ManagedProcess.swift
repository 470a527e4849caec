import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process a test starts and always stops: output captured to files, bounded waits,
/// SIGTERM then SIGKILL on `stop()`.
public final class ManagedProcess: @unchecked Sendable {
    public let outputFile: URL
    private let child: SpawnedChild
    private var exitStatus: Int32?
    private let lock = NSLock()

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], logDirectory: URL, name: String) throws {
        outputFile = logDirectory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        child = try SpawnedChild(executable.path, arguments,
                                 environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                 outputPath: outputFile.path)
    }

    public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    /// The process ID (for `ss -p` and `/proc` checks).
    public var pid: pid_t { child.pid }

    /// The exit status once the process has ended.
    public var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil { exitStatus = child.poll() }
        return exitStatus
    }

    public var isRunning: Bool { status == nil }

    /// Waits up to `seconds` for `text` to appear in the output; false if it never did.
    public func waitForOutput(_ text: String, seconds: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !isRunning { return output.contains(text) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits up to `seconds` for the process to exit by itself; its status, or nil.
    public func waitForExit(seconds: Double = 20) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// SIGKILL: the process gets no chance to clean up (a crashed machine, an OOM kill).
    public func killAbruptly() async {
        guard isRunning else { return }
        kill(child.pid, SIGKILL)
        _ = await waitForExit(seconds: 5)
    }

    public func stop() async {
        guard isRunning else { return }
        kill(child.pid, SIGTERM)
        if await waitForExit(seconds: 5) == nil {
            kill(child.pid, SIGKILL)
            _ = await waitForExit(seconds: 5)
        }
    }
}

/// Runs a short command to completion (bounded) and returns its status and output.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var combined: String { stdout + stderr }
}

public enum Command {
    /// Runs `executable` to completion, killing it after `timeout` seconds.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double = 60) throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path, err = directory.appendingPathComponent("err").path
        // stdout and stderr go to separate files: run through a shell that redirects stderr.
        let child = try SpawnedChild("/bin/sh", ["-c", "exec \"$0\" \"$@\" 2>\"$JOINERY_STDERR\"", executable.path] + arguments,
                                     environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
                                        .merging(["JOINERY_STDERR": err]) { $1 },
                                     outputPath: out)
        let deadline = Date().addingTimeInterval(timeout)
        var status = child.poll()
        while status == nil && Date() < deadline {
            usleep(10_000)
            status = child.poll()
        }
        if status == nil {
            kill(child.pid, SIGKILL)
            while status == nil { usleep(10_000); status = child.poll() }
        }
        return CommandResult(status: status ?? -1,
                             stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// ``run(_:_:environment:timeout:)`` for a tool given by its path, e.g. `/usr/bin/ssh-keygen`.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                           timeout: Double = 60) throws -> CommandResult {
        try run(URL(fileURLWithPath: path), arguments, environment: environment, timeout: timeout)
    }

    /// Runs a shell pipeline (for openssl and ssh-keygen checks).
    public static func shell(_ script: String, timeout: Double = 60) throws -> CommandResult {
        try run(URL(fileURLWithPath: "/bin/bash"), ["-c", script], timeout: timeout)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public enum FreePort {
    public static func next() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension FreePort {
    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
