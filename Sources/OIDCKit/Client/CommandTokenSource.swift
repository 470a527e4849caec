import Foundation
import JoinCore

/// An ID token printed by a command the operator names (a cloud CLI, a helper script). The
/// command runs without a shell; it must print the token on stdout and exit 0 within ``timeout``.
public struct CommandTokenSource: IDTokenSource {
    public static let timeout: TimeInterval = 30
    public let arguments: [String]
    let environment: [String: String]

    public init(arguments: [String], environment: [String: String]) {
        self.arguments = arguments
        self.environment = environment
    }

    public func idToken() async throws -> String {
        guard let executable = arguments.first else { throw JoinError.badParameter("the ID token command is empty") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(arguments.dropFirst()) : arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw JoinError.badParameter("cannot run the ID token command \(executable): \(FileErrorText.reason(error))")
        }
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        let errorReader = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }
        let deadline = Date().addingTimeInterval(Self.timeout)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            throw JoinError.unavailable("the ID token command \(executable) did not finish within \(Int(Self.timeout)) s")
        }
        let stdout = await reader.value
        let stderr = await errorReader.value
        guard process.terminationStatus == 0 else {
            let said = OIDCText.quoted(String(decoding: stderr.prefix(300), as: UTF8.self), limit: 300)
            throw JoinError.badParameter("the ID token command \(executable) exited with status \(process.terminationStatus): \(said)")
        }
        let token = String(decoding: stdout.prefix(UnverifiedIDToken.maximumBytes + 2), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw JoinError.badParameter("the ID token command \(executable) printed nothing") }
        return token
    }
}
