import Foundation

/// Which audit events a reader wants: every condition that is set must hold, and an unset one
/// matches everything, so ``all`` is the whole log.
///
/// It is a value handed to ``Backend/auditEvents(limit:matching:)`` rather than a filter applied
/// to what comes back, so that the limit counts matching events: "the newest 100 failures"
/// means 100 failures, however many successes lie between them. Each backend turns it into
/// its own `WHERE` clause; ``matches(_:)`` states the meaning they both implement.
public struct AuditQuery: Sendable, Equatable {
    /// The join method the event names (`token`, `ec2`, …); compared exactly.
    public var method: String?
    /// `true` for admitted attempts only, `false` for refusals only.
    public var success: Bool?
    /// Events at or after this instant.
    public var since: Date?
    /// Events strictly before this instant, so consecutive windows never share an event.
    public var until: Date?

    public init(method: String? = nil, success: Bool? = nil, since: Date? = nil, until: Date? = nil) {
        self.method = method
        self.success = success
        self.since = since
        self.until = until
    }

    /// No conditions: every event.
    public static let all = AuditQuery()

    /// Whether `event` satisfies every condition that is set.
    public func matches(_ event: AuditEvent) -> Bool {
        if let method, event.method != method { return false }
        if let success, event.success != success { return false }
        if let since, event.time < since { return false }
        if let until, event.time >= until { return false }
        return true
    }
}
