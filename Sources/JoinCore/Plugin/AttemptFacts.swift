import Synchronization

/// Facts a method learns during an attempt (account, region, instance ID, ...) that belong in
/// the audit event whether the attempt succeeds or is rejected. A method records them as soon
/// as they are verified; the pipeline reads them when it writes the event.
public final class AttemptFacts: Sendable {
    private let facts = Mutex<[String: String]>([:])

    public init() {}

    public func record(_ key: String, _ value: String) {
        facts.withLock { $0[key] = value }
    }

    public var all: [String: String] { facts.withLock { $0 } }
}
