import Foundation

/// A small HTTP server a test writes in Python (`http.server`), run with `python3` on
/// 127.0.0.1 and always stopped by the test. Fake IMDS services and broken AWS endpoints are
/// built on it.
///
/// The script binds port 0 (so no other process can take the port between choosing and
/// binding it) and, once it listens, prints `serving <port>` on a line of its own and flushes:
///
/// ```python
/// server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
/// print("serving", server.server_address[1], flush=True)
/// server.serve_forever()
/// ```
///
/// The script and its log (`<name>.log`) go in `directory`, which the caller owns.
public final class PythonHTTPServer: @unchecked Sendable {
    public let port: Int
    private let process: ManagedProcess

    /// Writes `script` to `directory/<name>.py`, starts it with `arguments`, and waits up to
    /// `seconds` for its `serving <port>` line.
    ///
    /// - Throws: ``TestFailure`` with the script's output if it exits or stays silent.
    public convenience init(name: String, script: String, arguments: [String] = [], directory: URL, seconds: Double = 20) async throws {
        let file = directory.appendingPathComponent("\(name).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        try await self.init(name: name, scriptFile: file, arguments: arguments, directory: directory, seconds: seconds)
    }

    /// Starts the script at `scriptFile` (e.g. a resource of the test bundle) with `arguments`;
    /// otherwise as ``init(name:script:arguments:directory:seconds:)``, the log going to
    /// `directory/<name>.log`.
    public init(name: String, scriptFile: URL, arguments: [String] = [], directory: URL, seconds: Double = 20) async throws {
        process = try ManagedProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", scriptFile.path] + arguments,
                                     logDirectory: directory, name: name)
        let deadline = Date().addingTimeInterval(seconds)
        var announced: Int?
        while announced == nil, Date() < deadline {
            announced = Self.announcedPort(in: process.output)
            if announced == nil {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let announced = announced ?? Self.announcedPort(in: process.output) else {
            await process.stop()
            throw TestFailure("the Python HTTP server \(name) did not start; output:\n\(String(process.output.suffix(3000)))")
        }
        port = announced
    }

    /// `http://127.0.0.1:<port>`.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// What the script printed so far (stdout and stderr).
    public var output: String { process.output }

    public func stop() async { await process.stop() }

    /// The port of the first complete `<label> <port>` line (`serving <port>` unless told), for
    /// scripts that announce more than one listener.
    static func announcedPort(in output: String, label: String = "serving") -> Int? {
        let prefix = label + " "
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        where line.hasPrefix(prefix) {
            return Int(line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

/// A test-setup failure with a readable message (a helper could not start, an answer lacked
/// what the test needs). Thrown, it fails the test instead of skipping it.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
