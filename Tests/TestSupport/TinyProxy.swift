import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real `tinyproxy` (Debian package `tinyproxy`) on a free port of 127.0.0.1, for tests that
/// prove a connection goes through an HTTP CONNECT proxy: its log names every request
/// (`CONNECT 127.0.0.1:5000 HTTP/1.1`). Started for a test and stopped with it.
public final class TinyProxy: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private let child: SpawnedChild
    private let logFile: URL
    private let outputFile: URL
    private var stopped = false
    private let lock = NSLock()

    /// Starts tinyproxy and waits (at most 10 s) until it accepts connections.
    ///
    /// - Parameters:
    ///   - connectPorts: the only ports CONNECT may reach (`ConnectPort` lines); nil allows every
    ///     port (tinyproxy's own default without such lines, unlike its packaged config's 443 and 563).
    ///   - basicAuth: a user name and password the proxy requires (`BasicAuth`), answering 407 without them.
    /// - Throws: `XCTSkip` when tinyproxy is not installed (scripts/install-deps installs it).
    public static func start(connectPorts: [Int]? = nil, basicAuth: (String, String)? = nil) throws -> TinyProxy {
        guard let executable = locate() else {
            throw XCTSkip("tinyproxy is not installed (apt-get install tinyproxy, or scripts/install-deps)")
        }
        return try TinyProxy(executable: executable, connectPorts: connectPorts, basicAuth: basicAuth)
    }

    private init(executable: String, connectPorts: [Int]?, basicAuth: (String, String)?) throws {
        port = FreePort.next()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinyproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("tinyproxy.log")
        outputFile = directory.appendingPathComponent("output.log")
        var lines = [
            "Port \(port)",
            "Listen 127.0.0.1",
            "Allow 127.0.0.1",
            "LogFile \"\(logFile.path)\"",
            "LogLevel Info",
            "PidFile \"\(directory.appendingPathComponent("tinyproxy.pid").path)\"",
            "Timeout 60",
            "MaxClients 50",
        ]
        lines += (connectPorts ?? []).map { "ConnectPort \($0)" }
        if case let (user, password)? = basicAuth { lines.append("BasicAuth \(user) \(password)") }
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try (lines.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        child = try SpawnedChild(executable, ["-d", "-c", config.path],
                                 environment: ProcessInfo.processInfo.environment, outputPath: outputFile.path)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if FreePort.isListening(port) { return }
            if child.poll() != nil { break }
            usleep(50_000)
        }
        let failure = logText() + ((try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
        stop()
        throw TestFailure("tinyproxy did not start on 127.0.0.1:\(port): \(failure.suffix(2000))")
    }

    /// `http://127.0.0.1:<port>`, as HTTPS_PROXY / HTTP_PROXY would name it.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// What tinyproxy has logged so far (one line per connection, request and error).
    public func logText() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// SIGTERM, then SIGKILL after 5 s; removes the directory, log included (read ``logText()``
    /// first). Safe to call twice.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        if child.poll() == nil {
            kill(child.pid, SIGTERM)
            if !waitForExit(seconds: 5) {
                kill(child.pid, SIGKILL)
                _ = waitForExit(seconds: 5)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if child.poll() != nil { return true }
            usleep(20_000)
        }
        return false
    }

    private static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin"
        for directory in (path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"]) {
            let candidate = directory + "/tinyproxy"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
