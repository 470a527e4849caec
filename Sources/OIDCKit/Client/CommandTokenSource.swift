import Foundation
import JoinCore
import Synchronization

/// An ID token printed by a command the operator names (a cloud CLI, a helper script). The
/// command runs without a shell; it must print the token on stdout and exit 0 within
/// ``timeout`` (30 s), or it is killed. At most ``maximumOutputBytes`` of stdout are kept.
public struct CommandTokenSource: IDTokenSource {
    public static let maximumOutputBytes = UnverifiedIDToken.maximumBytes + 1024
    public let arguments: [String]
    public let timeout: TimeInterval
    let environment: [String: String]

    public init(arguments: [String], environment: [String: String], timeout: TimeInterval = 30) {
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
    }

    public func idToken() async throws -> String {
        guard let executable = arguments.first else { throw JoinError.badParameter("the ID token command is empty") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(arguments.dropFirst()) : arguments
        process.environment = environment
        let output = BoundedPipe(limit: Self.maximumOutputBytes)
        let errors = BoundedPipe(limit: 300)
        process.standardOutput = output.pipe
        process.standardError = errors.pipe
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exited.continuation.yield($0.terminationStatus); exited.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw JoinError.badParameter("cannot run the ID token command \(executable): \(FileErrorText.reason(error))")
        }
        output.startReading()
        errors.startReading()
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await exited.stream.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let status else {
            process.terminate()
            try? await Task.sleep(for: .milliseconds(500))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw JoinError.unavailable("the ID token command \(executable) did not finish within \(Int(timeout)) s")
        }
        // A child the command left behind may hold the pipes open: read what is there, briefly.
        let stdout = await output.collected(within: .seconds(2))
        let stderr = await errors.collected(within: .seconds(2))
        guard status == 0 else {
            let said = UntrustedString.quoted(String(decoding: stderr, as: UTF8.self), limit: 300)
            throw JoinError.badParameter("the ID token command \(executable) exited with status \(status): \(said)")
        }
        guard stdout.count <= UnverifiedIDToken.maximumBytes + 2 else {
            throw JoinError.badParameter("the ID token command \(executable) printed more than \(UnverifiedIDToken.maximumBytes) bytes; it must print only the token")
        }
        let token = String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw JoinError.badParameter("the ID token command \(executable) printed nothing") }
        return token
    }
}

/// One of a command's output streams, read on its own thread (never a concurrency-pool
/// thread, so a silent command cannot starve the timeout), keeping at most `limit` bytes.
final class BoundedPipe: Sendable {
    let pipe = Pipe()
    private let limit: Int
    private let state = Mutex<(bytes: Data, done: Bool)>((Data(), false))

    init(limit: Int) {
        self.limit = limit
    }

    func startReading() {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.withLock { state in
                    if state.bytes.count < limit { state.bytes.append(chunk.prefix(limit - state.bytes.count)) }
                }
            }
            state.withLock { $0.done = true }
        }
    }

    /// What was read once the stream ended, or after `duration` if it has not.
    func collected(within duration: Duration) async -> Data {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !state.withLock({ $0.done }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return state.withLock { $0.bytes }
    }
}
