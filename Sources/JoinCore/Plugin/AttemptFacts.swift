import Synchronization

/// Facts a method learns during an attempt (account, region, instance ID, ...) that belong in
/// the audit event whether the attempt succeeds or is rejected. A method records them as soon
/// as they are verified; the pipeline reads them when it writes the event. A later record of a
/// key replaces the earlier one.
public final class AttemptFacts: Sendable {
    private let facts = Mutex<[String: String]>([:])

    public init() {}

    public func record(_ key: String, _ value: String) {
        facts.withLock { $0[key] = value }
    }

    /// Records every pair of `facts`.
    public func record(_ facts: [String: String]) {
        self.facts.withLock { $0.merge(facts) { _, new in new } }
    }

    public var all: [String: String] { facts.withLock { $0 } }
}
