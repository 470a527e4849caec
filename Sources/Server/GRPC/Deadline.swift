import Foundation
import JoinCore

/// Runs `body` with a deadline. When it passes, the body is cancelled (so a join blocked on a
/// silent client ends and is audited as aborted) and `onTimeout` is thrown.
func withDeadline<T: Sendable>(seconds: Double, onTimeout: JoinError,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw onTimeout
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw onTimeout }
        return result
    }
}
