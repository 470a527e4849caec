import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a long-lived service until SIGINT or SIGTERM, then cancels it so it shuts down cleanly
/// (servers drain, the backend closes) instead of dying mid-write.
public enum SignalHandling {
    public static func runUntilTerminated(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        do {
            try await task.value
        } catch is CancellationError where task.isCancelled {
            return
        } catch where task.isCancelled {
            return
        }
    }
}
