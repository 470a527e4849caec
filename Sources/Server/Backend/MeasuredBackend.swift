import Foundation
import JoinCore
import Metrics

/// A ``Backend`` that times every operation and counts the ones that fail, then hands the
/// call to the backend it wraps unchanged.
///
/// A decorator rather than code inside each backend: SQLite, PostgreSQL and any later backend
/// are measured the same way, at the boundary the rest of the Auth server sees, and no
/// backend needs to know about metrics. ``AuthServer`` wraps whatever backend it is given.
///
/// - `joinery_backend_operation_duration_seconds{operation}`: a histogram of every call,
///   successful or not;
/// - `joinery_backend_errors_total{operation,kind}`: calls that threw, by ``JoinCore/JoinError``
///   kind in snake case (`compare_failed`, `unavailable`, …; `cancelled` or `other` for
///   anything else). Expected outcomes such as a lost compare-and-swap are counted too, under
///   their own kind, so a dashboard can tell contention from an outage.
public struct MeasuredBackend: Backend {
    /// Histogram (seconds), label `operation`.
    public static let operationDuration = "joinery_backend_operation_duration_seconds"
    /// Counter, labels `operation` and `kind`.
    public static let errors = "joinery_backend_errors_total"

    /// The backend that does the work.
    public let base: any Backend

    /// Wraps `base`; a backend that is already measured is not measured twice.
    public init(_ base: any Backend) {
        self.base = (base as? MeasuredBackend)?.base ?? base
    }

    public func get(_ key: String) async throws -> BackendItem? {
        try await measured("get") { try await base.get(key) }
    }

    public func create(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        try await measured("create") { try await base.create(key, value: value, expires: expires) }
    }

    public func put(_ key: String, value: Data, expires: Date?) async throws -> BackendItem {
        try await measured("put") { try await base.put(key, value: value, expires: expires) }
    }

    public func compareAndSwap(_ key: String, expectedRevision: Int64, value: Data, expires: Date?) async throws -> BackendItem {
        try await measured("compare_and_swap") {
            try await base.compareAndSwap(key, expectedRevision: expectedRevision, value: value, expires: expires)
        }
    }

    public func delete(_ key: String) async throws {
        try await measured("delete") { try await base.delete(key) }
    }

    public func compareAndDelete(_ key: String, expectedRevision: Int64) async throws {
        try await measured("compare_and_delete") { try await base.compareAndDelete(key, expectedRevision: expectedRevision) }
    }

    public func range(prefix: String) async throws -> [BackendItem] {
        try await measured("range") { try await base.range(prefix: prefix) }
    }

    public func deleteExpired() async throws -> Int {
        try await measured("delete_expired") { try await base.deleteExpired() }
    }

    public func appendAuditEvent(_ event: AuditEvent) async throws {
        try await measured("append_audit_event") { try await base.appendAuditEvent(event) }
    }

    public func auditEvents(limit: Int, matching query: AuditQuery) async throws -> [AuditEvent] {
        try await measured("audit_events") { try await base.auditEvents(limit: limit, matching: query) }
    }

    /// Not measured: it happens once, at shutdown.
    public func close() async throws {
        try await base.close()
    }

    private func measured<Result>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        let started = ContinuousClock.now
        defer {
            Metrics.Timer(label: Self.operationDuration, dimensions: [("operation", operation)]).record(duration: started.duration(to: .now))
        }
        do {
            return try await body()
        } catch {
            Counter(label: Self.errors, dimensions: [("operation", operation), ("kind", Self.errorKind(error))]).increment()
            throw error
        }
    }

    /// The `kind` label of a failure: a bounded set of words, never the error's message.
    static func errorKind(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        guard let joinError = error as? JoinError else { return "other" }
        return joinError.kind.rawValue.reduce(into: "") { text, character in
            if character.isUppercase { text += "_" + character.lowercased() } else { text.append(character) }
        }
    }
}
