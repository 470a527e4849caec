import Foundation
import JoinCore

/// The current run of each Auth server, at `/admin_generations/<server ID>` in the backend.
///
/// A record lives in the backend, not in process memory, because with several Auth servers
/// on one PostgreSQL database an Admin identity written by one must be checked by all of
/// them. Each record expires on its own (``AdminIdentityPolicy/recordLifetime`` after its last
/// renewal), so a server that crashed and never comes back leaves nothing behind for long —
/// and its last Admin certificate has expired by then anyway.
public struct AdminGenerationStore: Sendable {
    static let prefix = "/admin_generations/"

    /// What the backend holds for one server.
    struct Record: Codable, Equatable {
        var serverID: String
        var generation: String
        var started: Date
        var renewed: Date
    }

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    static func key(_ serverID: String) -> String { prefix + serverID }

    /// The run recorded as current for `serverID`, or `nil` when none is (the server stopped,
    /// or crashed long enough ago for its record to expire).
    public func current(serverID: String) async throws -> AuthServerRun? {
        guard AuthServerID.isValid(serverID), let item = try await backend.get(Self.key(serverID)) else { return nil }
        let record = try Self.decode(item)
        return AuthServerRun(serverID: record.serverID, generation: record.generation)
    }

    /// Records `run` as its server's current run, replacing whatever an earlier run of the same
    /// server left (a restart). Returns the record's revision, for ``renew(_:revision:now:expires:)``.
    func begin(_ run: AuthServerRun, now: Date, expires: Date) async throws -> Int64 {
        let record = Record(serverID: run.serverID, generation: run.generation, started: now, renewed: now)
        return try await backend.put(Self.key(run.serverID), value: Self.encode(record), expires: expires).revision
    }

    /// Extends the record of `run` (which began at `started`) while it is still the current
    /// one. Throws ``AdminRunSuperseded`` when another process recorded a newer run of the same
    /// server ID (a second process on the same data_dir); records `run` again when its record
    /// expired meanwhile (the backend was out of reach for hours).
    func renew(_ run: AuthServerRun, started: Date, revision: Int64, now: Date, expires: Date) async throws -> Int64 {
        let key = Self.key(run.serverID)
        let value = try Self.encode(Record(serverID: run.serverID, generation: run.generation, started: started, renewed: now))
        do {
            return try await backend.compareAndSwap(key, expectedRevision: revision, value: value, expires: expires).revision
        } catch let error as JoinError where error.kind == .compareFailed {
            guard let item = try await backend.get(key) else {
                do {
                    return try await backend.create(key, value: value, expires: expires).revision
                } catch let error as JoinError where error.kind == .alreadyExists {
                    throw AdminRunSuperseded(run: run)
                }
            }
            guard try Self.decode(item).generation == run.generation else { throw AdminRunSuperseded(run: run) }
            return try await backend.compareAndSwap(key, expectedRevision: item.revision, value: value, expires: expires).revision
        }
    }

    /// Removes the record of `run` if it is still the one at `revision` (a clean shutdown), so
    /// the identity it wrote stops working at once.
    func end(_ run: AuthServerRun, revision: Int64) async throws {
        try await backend.compareAndDelete(Self.key(run.serverID), expectedRevision: revision)
    }

    private static func encode(_ record: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(record)
    }

    private static func decode(_ item: BackendItem) throws -> Record {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Record.self, from: item.value)
        } catch {
            throw JoinError.internalError("the admin generation record \(BackendItem.displayKey(item.key)) is unreadable: \(error)")
        }
    }
}

/// Another process recorded a newer run under this server's ID: two processes share one
/// data_dir (or a copy of it). The newer one wins; the older stops renewing.
struct AdminRunSuperseded: Error, CustomStringConvertible {
    let run: AuthServerRun

    var description: String {
        "another Auth server process started with server ID \(run.serverID) (the same data_dir, or a copy of it); "
            + "the admin identity of this process is no longer accepted, and it stops renewing it"
    }
}
