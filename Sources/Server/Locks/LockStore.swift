import Foundation
import JoinCore

/// Locks under `/locks/<name>`; expiring locks expire with their item.
public struct LockStore: Sendable {
    static let prefix = "/locks/"

    let backend: any Backend
    let clock: any JoinClock
    /// Shared by every copy of this store: see ``DecodedLockCache``.
    let decoded = DecodedLockCache()

    public init(backend: any Backend, clock: any JoinClock) {
        self.backend = backend
        self.clock = clock
    }

    /// Stores a lock; an empty name gets a random one, a missing creation time gets now.
    @discardableResult
    public func create(_ lock: LockResource, upsert: Bool) async throws -> LockResource {
        var lock = lock
        if lock.name.isEmpty { lock.name = UUID().uuidString.lowercased() }
        guard lock.name.utf8.count <= 128, !lock.name.contains("/"),
              lock.name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw JoinError.badParameter("a lock name must be at most 128 printable ASCII characters without spaces or slashes")
        }
        if lock.createdAt == nil { lock.createdAt = clock.now }
        if let expires = lock.expires, expires <= clock.now {
            throw JoinError.badParameter("lock expiry \(RFC3339.format(expires)) is in the past")
        }
        let value = try JSONEncoder().encode(lock)
        if upsert {
            _ = try await backend.put(Self.prefix + lock.name, value: value, expires: lock.expires)
        } else {
            do {
                _ = try await backend.create(Self.prefix + lock.name, value: value, expires: lock.expires)
            } catch let error as JoinError where error.kind == .alreadyExists {
                throw JoinError.alreadyExists("lock \(lock.name) already exists")
            }
        }
        return lock
    }

    public func list() async throws -> [LockResource] {
        try await backend.range(prefix: Self.prefix).compactMap { try? JSONDecoder().decode(LockResource.self, from: $0.value) }
    }

    public func get(name: String) async throws -> LockResource? {
        try await backend.get(Self.prefix + name).map { try JSONDecoder().decode(LockResource.self, from: $0.value) }
    }

    public func delete(name: String) async throws {
        do {
            try await backend.delete(Self.prefix + name)
        } catch let error as JoinError where error.kind == .notFound {
            throw JoinError.notFound("lock \(UntrustedString.sanitize(name)) not found")
        }
    }

    /// The first live lock that targets any of `targets`. `strict`: a lock that cannot be read
    /// refuses (throws) rather than silently stopping to apply.
    func firstLock(targeting targets: [LockTarget], strict: Bool = true) async throws -> LockResource? {
        guard !targets.isEmpty else { return nil }
        let wanted = Set(targets)
        return try await activeLocks(strict: strict).first { wanted.contains($0.target) }
    }

    /// Every lock that has not expired. With `strict`, one that cannot be read throws
    /// `internalError`; without, it is skipped.
    func activeLocks(strict: Bool = true) async throws -> [LockResource] {
        let now = clock.now
        let decoder = JSONDecoder()
        let items = try await backend.range(prefix: Self.prefix)
        decoded.retain(only: Set(items.map(\.key)))
        return try items.compactMap { item -> LockResource? in
            let lock: LockResource
            if let cached = decoded.lock(key: item.key, bytes: item.value) {
                lock = cached
            } else {
                do {
                    lock = try decoder.decode(LockResource.self, from: item.value)
                } catch {
                    guard strict else { return nil }
                    throw JoinError.internalError("a stored lock (\(item.key)) could not be read; calls are refused until it is fixed or removed")
                }
                decoded.store(lock, key: item.key, bytes: item.value)
            }
            if let expires = lock.expires, expires <= now { return nil }
            return lock
        }
    }
}
