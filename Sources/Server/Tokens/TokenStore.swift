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

    /// Validates and stores a token. `upsert` replaces an existing one; its method may carry
    /// the existing token's server-owned status over (spec §1.6).
    public func create(_ token: ProvisionToken, upsert: Bool) async throws -> ProvisionToken {
        let validated = try await methods.validate(token)
        let existing = upsert ? try await backend.get(key(validated.metadata.name)).flatMap { try? decode($0.value) } : nil
        let checked = try methods.method(named: validated.spec.joinMethod)?
            .prepareForStorage(validated, replacing: existing) ?? validated
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
    /// read (a patch: against the freshest revision, re-checked by the patch). Losing the race
    /// means another join used the token first. Returns the token as it now stands (`nil` when
    /// consumed).
    @discardableResult
    func commit(_ change: TokenChange, for found: Found, context: CommitContext) async throws -> ProvisionToken? {
        if case .none = change { return found.token }
        guard let revision = found.revision else {
            throw JoinError.badParameter("token \(displayName(found.token)) is read-only and cannot be consumed or updated")
        }
        let key = key(found.token.metadata.name)
        do {
            switch change {
            case .none:
                return found.token
            case .consume:
                try await backend.compareAndDelete(key, expectedRevision: revision)
                return nil
            case .patch(let patch):
                return try await apply(patch, key: key, context: context)
            }
        } catch let error as JoinError where error.kind == .compareFailed || error.kind == .notFound {
            throw JoinError.tokenExpiredOrNotFound
        }
    }

    /// Read, re-check and swap, a few times: a concurrent change to an unrelated part of the
    /// token only costs a retry, while a change the patch depended on makes `apply` throw.
    private func apply(_ patch: TokenPatch, key: String, context: CommitContext) async throws -> ProvisionToken {
        for _ in 0..<5 {
            guard let item = try await backend.get(key) else { throw JoinError.tokenExpiredOrNotFound }
            let fresh = try decode(item.value)
            let patched = try patch.apply(fresh, context)
            do {
                _ = try await backend.compareAndSwap(key, expectedRevision: item.revision, value: try encode(patched),
                                                     expires: patched.metadata.expires)
                return patched
            } catch let error as JoinError where error.kind == .compareFailed {
                continue
            }
        }
        throw JoinError.accessDenied("committing updated token state failed after repeated conflicts, please try again")
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
