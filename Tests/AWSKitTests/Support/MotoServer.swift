import Foundation

/// A real `moto_server` on 127.0.0.1, started for one test and stopped in its tearDown.
///
/// With `initialNoAuthActionCount` moto answers that many actions without checking them and
/// then enforces IAM: every request must carry a valid SigV4 signature from a known user.
final class MotoServer: @unchecked Sendable {
    let port: Int
    let child: ChildProcess
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(initialNoAuthActionCount: Int? = nil, logDirectory: URL) throws {
        port = try ChildProcess.freeLocalPort()
        var environment: [String: String] = [:]
        if let initialNoAuthActionCount { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(initialNoAuthActionCount) }
        child = try ChildProcess(executable: "moto_server", arguments: ["-H", "127.0.0.1", "-p", String(port)],
                                 environment: environment, logFile: logDirectory.appendingPathComponent("moto.log"))
    }

    /// Waits (at most `timeout` seconds) until moto accepts connections.
    func waitUntilListening(timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if ChildProcess.isListening(port: port) { return }
            guard child.process.isRunning else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw TestFailure("moto_server did not listen on 127.0.0.1:\(port) within \(timeout) s; log:\n\(child.log)")
    }

    func stop() { child.stop() }
}

/// A test-setup failure with a readable message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
