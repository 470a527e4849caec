import Dispatch
import Foundation
import JoinCore
import Synchronization

/// Runs async work from a synchronous requirement (``JoinMethod/validate(_:)`` is synchronous
/// for built-in methods, which validate locally; an external one must ask its program). The
/// work runs detached and the caller waits, bounded, so a stuck plugin fails the validation
/// instead of the server.
enum BlockingBridge {
    static func wait<T: Sendable>(seconds: Double, what: String, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.withLock({ $0 }) else {
            throw JoinError.unavailable("\(what) took longer than \(Int(seconds)) s")
        }
        return try result.get()
    }
}
