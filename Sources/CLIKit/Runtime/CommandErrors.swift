import ArgumentParser
import Foundation
import JoinCore

/// Prints a failed command's error the way Teleport does (`ERROR: …` on stderr) and exits 1.
/// Messages come from typed errors and never contain secrets.
public enum CommandErrors {
    public static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw report(error)
        }
    }

    public static func reportingSync(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw report(error)
        }
    }

    static func report(_ error: any Error) -> any Error {
        if error is ExitCode || error is CleanExit { return error }
        let message: String
        switch error {
        case let error as JoinError: message = error.message
        case let error as UnknownFieldError: message = error.description
        default: message = String(describing: error)
        }
        FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
        return ExitCode.failure
    }
}
