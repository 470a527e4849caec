import Dispatch
import Synchronization

/// Runs async parser code (jwt-kit verification, a method's `attest`, token validation) to
/// completion from libFuzzer's synchronous callback. The callback runs on libFuzzer's own
/// thread, never on the cooperative pool, so waiting here cannot starve the task it waits for.
enum AsyncBridge {
    static func wait(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            done.signal()
        }
        done.wait()
    }

    /// Like ``wait(_:)``, returning what `body` returned.
    static func value<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let outcome = Mutex<T?>(nil)
        wait { let value = await body(); outcome.withLock { $0 = value } }
        guard let value = outcome.withLock({ $0 }) else { preconditionFailure("the async body did not finish") }
        return value
    }
}
