import Foundation
import JoinCore

/// Users under `/users/<name>`. Changes to a stored user go through ``update(_:_:)``, a
/// compare-and-swap on the item's revision, so two Auth servers signing the same user in at
/// once cannot both accept one OTP code or lose a password change.
public struct UserStore: Sendable {
    static let prefix = "/users/"

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    public func get(_ name: String) async throws -> UserAccount? {
        try await backend.get(Self.prefix + name).map(Self.decode)
    }

    public func list() async throws -> [UserAccount] {
        try await backend.range(prefix: Self.prefix).compactMap { try? Self.decode($0) }.sorted { $0.name < $1.name }
    }

    /// Stores a new user; refuses a name already taken.
    public func create(_ user: UserAccount) async throws {
        do {
            _ = try await backend.create(Self.prefix + user.name, value: try JSONEncoder().encode(user), expires: nil)
        } catch let error as JoinError where error.kind == .alreadyExists {
            throw JoinError.alreadyExists("user \(user.name) already exists; use tctl users reset \(user.name) to send a new invite")
        }
    }

    /// Applies `change` to the stored user and writes it back if nobody changed it meanwhile
    /// (retried a few times on a race). Returns the user as written.
    @discardableResult
    public func update(_ name: String, _ change: (inout UserAccount) throws -> Void) async throws -> UserAccount {
        for _ in 0..<5 {
            guard let item = try await backend.get(Self.prefix + name) else {
                throw JoinError.notFound("user \(UntrustedString.sanitize(name)) not found")
            }
            var user = try Self.decode(item)
            try change(&user)
            do {
                _ = try await backend.compareAndSwap(Self.prefix + name, expectedRevision: item.revision,
                                                     value: try JSONEncoder().encode(user), expires: nil)
                return user
            } catch let error as JoinError where error.kind == .compareFailed {
                continue
            }
        }
        throw JoinError.compareFailed("user \(UntrustedString.sanitize(name)) kept changing while it was being updated; try again")
    }

    public func delete(_ name: String) async throws {
        do {
            try await backend.delete(Self.prefix + name)
        } catch let error as JoinError where error.kind == .notFound {
            throw JoinError.notFound("user \(UntrustedString.sanitize(name)) not found")
        }
    }

    private static func decode(_ item: BackendItem) throws -> UserAccount {
        do {
            return try JSONDecoder().decode(UserAccount.self, from: item.value)
        } catch {
            throw JoinError.internalError("the stored user \(item.key) cannot be read: \(error)")
        }
    }
}
