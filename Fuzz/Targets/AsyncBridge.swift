import Dispatch

/// Runs async parser code (jwt-kit verification, a method's `attest`) to completion from
/// libFuzzer's synchronous callback. The callback runs on libFuzzer's own thread, never on the
/// cooperative pool, so waiting here cannot starve the task it waits for.
enum AsyncBridge {
    static func wait(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            done.signal()
        }
        done.wait()
    }
}
