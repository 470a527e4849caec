import Foundation
import JoinCore

/// Provision tokens: those of the enabled methods' token sources (static config tokens, read
/// only) and those stored in the backend under `/tokens/<name>`, which expire with the token.
public struct TokenStore: Sendable {
    /// A token as found, with where it came from.
    public struct Found: Sendable {
        public var token: ProvisionToken
        /// The backend revision; `nil` when the token came from a read-only source.
        public var revision: Int64?
        public var isReadOnly: Bool { revision == nil }
    }

    static let prefix = "/tokens/"

    let backend: any Backend
    let methods: JoinMethodSet
    let clock: any JoinClock

    public init(backend: any Backend, methods: JoinMethodSet, clock: any JoinClock) {
        self.backend = backend
        self.methods = methods
        self.clock = clock
    }

    private func key(_ name: String) -> String { TokenStore.prefix + name }

    /// Finds a token to join with (spec §2.4): read-only sources first, in constant time, then
    /// the backend. Missing and expired give the same `token expired or not found`; an expired
    /// stored token is deleted on the way.
    func findForJoin(name: String) async throws -> Found {
        var fromSource: ProvisionToken?
        for source in methods.tokenSources {
            if let token = source.token(named: name), fromSource == nil { fromSource = token }
        }
        if let fromSource { return Found(token: fromSource, revision: nil) }
        guard let item = try await backend.get(key(name)) else { throw JoinError.tokenExpiredOrNotFound }
        let token = try decode(item.value)
        if token.isExpired(at: clock.now) {
            try? await backend.compareAndDelete(key(name), expectedRevision: item.revision)
            throw JoinError.tokenExpiredOrNotFound
        }
        return Found(token: token, revision: item.revision)
    }

    /// The token called `name` for tctl (sources first, then the backend).
    public func get(name: String) async throws -> Found {
        for source in methods.tokenSources {
            if let token = source.token(named: name) { return Found(token: token, revision: nil) }
        }
        guard let item = try await backend.get(key(name)) else {
            throw JoinError.notFound("token \(SafeName.mask(name)) not found")
        }
        return Found(token: try decode(item.value), revision: item.revision)
    }

    /// Validates and stores a token. `upsert` replaces an existing one.
    public func create(_ token: ProvisionToken, upsert: Bool) async throws -> ProvisionToken {
        let checked = try methods.validate(token)
        if let expires = checked.metadata.expires, expires <= clock.now {
            throw JoinError.badParameter("token expiry \(RFC3339.format(expires)) is in the past")
        }
        for source in methods.tokenSources where source.token(named: checked.metadata.name) != nil {
            throw JoinError.alreadyExists("a statically configured token already uses this name, please use another name")
        }
        let value = try encode(checked)
        if upsert {
            _ = try await backend.put(key(checked.metadata.name), value: value, expires: checked.metadata.expires)
        } else {
            do {
                _ = try await backend.create(key(checked.metadata.name), value: value, expires: checked.metadata.expires)
            } catch let error as JoinError where error.kind == .alreadyExists {
                throw JoinError.alreadyExists(
                    "failed to create token (\(displayName(checked)) already exists), please use another name")
            }
        }
        return checked
    }

    /// Every live token: read-only sources first, then stored ones.
    public func list() async throws -> [Found] {
        let fromSources = methods.tokenSources.flatMap { $0.allTokens() }.map { Found(token: $0, revision: nil) }
        let stored = try await backend.range(prefix: TokenStore.prefix).compactMap { item -> Found? in
            guard let token = try? decode(item.value), !token.isExpired(at: clock.now) else { return nil }
            return Found(token: token, revision: item.revision)
        }
        return fromSources + stored
    }

    /// Deletes a stored token; refuses static ones (spec §2.3).
    public func delete(name: String) async throws {
        for source in methods.tokenSources where source.token(named: name) != nil {
            throw JoinError.badParameter("token \(SafeName.mask(name)) is statically configured and cannot be removed")
        }
        do {
            try await backend.delete(key(name))
        } catch let error as JoinError where error.kind == .notFound {
            throw JoinError.notFound("token \(SafeName.mask(name)) not found")
        }
    }

    /// Commits a method's token change as a compare-and-swap against the revision the join
    /// read. Losing the race means another join used the token first.
    func commit(_ change: TokenChange, for found: Found) async throws {
        switch change {
        case .none:
            return
        case .consume, .update:
            guard let revision = found.revision else {
                throw JoinError.badParameter("token \(displayName(found.token)) is read-only and cannot be consumed or updated")
            }
            do {
                if case .update(let token) = change {
                    _ = try await backend.compareAndSwap(
                        key(found.token.metadata.name), expectedRevision: revision, value: try encode(token),
                        expires: token.metadata.expires)
                } else {
                    try await backend.compareAndDelete(key(found.token.metadata.name), expectedRevision: revision)
                }
            } catch let error as JoinError where error.kind == .compareFailed || error.kind == .notFound {
                throw JoinError.tokenExpiredOrNotFound
            }
        }
    }

    /// The name to show for a token: masked when the name is the secret.
    public func displayName(_ token: ProvisionToken) -> String {
        nameIsSecret(token) ? SafeName.mask(token.metadata.name) : token.metadata.name
    }

    public func nameIsSecret(_ token: ProvisionToken) -> Bool {
        methods.method(named: token.spec.joinMethod)?.tokenNameIsSecret ?? true
    }

    private func encode(_ token: ProvisionToken) throws -> Data { try JSONEncoder().encode(token) }

    private func decode(_ data: Data) throws -> ProvisionToken {
        do {
            return try JSONDecoder().decode(ProvisionToken.self, from: data)
        } catch {
            throw JoinError.internalError("a stored token could not be read: \(DecodingErrorDescription.describe(error))")
        }
    }
}
