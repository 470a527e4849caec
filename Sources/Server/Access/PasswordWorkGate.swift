import Foundation
import JoinCore
import Synchronization

/// Bounds how many password hashes the Auth server computes at once. Each scrypt hash takes
/// about 32 MiB and 100 ms, and unknown user names cost one too (the decoy), so without a
/// bound a flood of sign-ins from many addresses could exhaust memory. Past the bound a sign-in
/// is refused at once with `limitExceeded` (the client retries), not queued.
public final class PasswordWorkGate: Sendable {
    private let running = Mutex(0)
    public let capacity: Int

    public init(capacity: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.capacity = capacity
    }

    /// Runs `work` if a slot is free; throws `limitExceeded` otherwise.
    public func run<T>(_ work: () throws -> T) throws -> T {
        let entered = running.withLock { count -> Bool in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard entered else {
            throw JoinError.limitExceeded("the Auth server is busy checking other sign-ins; try again in a moment")
        }
        defer { running.withLock { $0 -= 1 } }
        return try work()
    }
}
