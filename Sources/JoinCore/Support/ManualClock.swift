import Foundation
import Synchronization

/// A clock that moves only when told: tests freeze it at a document's signing time and advance
/// it past a TTL; benchmarks use it to make runs repeatable.
public final class ManualClock: JoinClock, Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date()) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
