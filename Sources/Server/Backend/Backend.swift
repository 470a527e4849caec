import Foundation
import JoinCore

/// One stored value: the unit every backend reads and writes.
///
/// `revision` identifies this exact version of the item. It comes from one counter per
/// database that grows on every write, so a revision read earlier never equals the revision
/// of anything written later; that is what lets ``Backend/compareAndSwap(_:expectedRevision:value:expires:)``
/// tell "unchanged since I read it" from "changed, even if back to the same bytes".
public struct BackendItem: Sendable, Equatable {
    /// A plain path-like string: `/tokens/<name>`, `/nodes/<hostID>`, `/authorities/host`.
    public var key: String
    /// The encoded resource (JSON for typed resources); any bytes survive.
    public var value: Data
    /// When the item stops existing, by the backend's clock; `nil` for never.
    ///
    /// Backends keep this to their storage precision (at least the millisecond); the item a
    /// write returns carries the stored value, so it equals what a later read returns.
    public var expires: Date?
    /// The version of this item; see the type's documentation.
    public var revision: Int64

    public init(key: String, value: Data, expires: Date?, revision: Int64) {
        self.key = key
        self.value = value
        self.expires = expires
        self.revision = revision
    }
}

/// The storage contract of the Auth server: a key-value store with revisions, expiry,
/// compare-and-swap and an append-only audit log — the model Teleport, etcd and DynamoDB share.
///
/// It is a protocol because the cluster state lives in SQLite for a single Auth server and in
/// PostgreSQL for several sharing one state; both pass the same `BackendTestSuite`. Nothing
/// here is SQL: the contract is what callers may rely on.
///
/// - An item whose `expires` is at or before the backend clock's `now` does not exist for any
///   read or conditional write, even before ``deleteExpired()`` removes it.
/// - Every state change that guards a one-time use goes through ``compareAndSwap(_:expectedRevision:value:expires:)``
///   or ``compareAndDelete(_:expectedRevision:)``: of any number of concurrent callers holding
///   the same revision, on any number of Auth servers, exactly one wins.
/// - Failures are ``JoinError``s: `.notFound`, `.alreadyExists` and `.compareFailed` for the
///   outcomes below, `.unavailable` when the store cannot be reached or is closed.
public protocol Backend: Sendable {
    /// The live item at `key`, or `nil` when it is missing or expired.
    func get(_ key: String) async throws -> BackendItem?

    /// Stores a new item; fails with `.alreadyExists` if a live item holds `key`. An expired
    /// item at `key` is replaced.
    func create(_ key: String, value: Data, expires: Date?) async throws -> BackendItem

    /// Stores the item whether or not one exists (an upsert).
    func put(_ key: String, value: Data, expires: Date?) async throws -> BackendItem

    /// Replaces the item only if the live item at `key` still has `expectedRevision`;
    /// otherwise fails with `.compareFailed` and changes nothing (also when the item is
    /// missing or expired).
    func compareAndSwap(_ key: String, expectedRevision: Int64, value: Data, expires: Date?) async throws -> BackendItem

    /// Removes the live item at `key`; fails with `.notFound` when there is none.
    func delete(_ key: String) async throws

    /// Removes the item only if the live item at `key` still has `expectedRevision`;
    /// otherwise fails with `.compareFailed`.
    func compareAndDelete(_ key: String, expectedRevision: Int64) async throws

    /// The live items whose key starts with `prefix` (byte for byte, case-sensitive, no
    /// wildcards), sorted by key. Use a trailing `/` to list one folder: `/tokens/` does not
    /// return `/tokensX`.
    func range(prefix: String) async throws -> [BackendItem]

    /// Removes every expired item and returns how many it removed.
    func deleteExpired() async throws -> Int

    /// Appends one event to the audit log. The log is never rewritten.
    func appendAuditEvent(_ event: AuditEvent) async throws

    /// The newest `limit` audit events that match `query`, in the order they were appended,
    /// oldest first; empty when `limit` is zero or less.
    func auditEvents(limit: Int, matching query: AuditQuery) async throws -> [AuditEvent]

    /// Releases the store. Calls after `close` fail with `.unavailable`; closing again is
    /// harmless.
    func close() async throws
}

extension Backend {
    /// The newest `limit` audit events of any kind, oldest first.
    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        try await auditEvents(limit: limit, matching: .all)
    }
}

extension BackendItem {
    /// How a backend names `key` in an error message. The last component may be a secret (a
    /// `token`-method token's name is its value), so it is masked as ``SafeName`` masks token
    /// names; the folders before it stay readable.
    static func displayKey(_ key: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return SafeName.mask(key) }
        return String(key[...slash]) + SafeName.mask(String(key[key.index(after: slash)...]))
    }
}
