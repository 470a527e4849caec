import AccessControl
import Foundation
import JoinCore

/// Roles under `/roles/<name>`, over Teleport's presets: `access`, `editor` and `auditor`
/// exist from the start and may be replaced with `tctl create -f` (as in Teleport) but not
/// removed.
public struct RoleStore: Sendable {
    static let prefix = "/roles/"

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    /// The stored role, or the preset of that name.
    public func get(_ name: String) async throws -> Role? {
        if let item = try await backend.get(Self.prefix + name) { return try Self.decode(item) }
        return PresetRoles.all.first { $0.name == name }
    }

    /// Every role: the stored ones and the presets not replaced, by name.
    public func list() async throws -> [Role] {
        var byName = Dictionary(uniqueKeysWithValues: PresetRoles.all.map { ($0.name, $0) })
        for item in try await backend.range(prefix: Self.prefix) {
            if let role = try? Self.decode(item) { byName[role.name] = role }
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// The roles of `names` that exist, in that order; unknown names are left out (a role
    /// removed after a certificate was issued grants nothing).
    public func roles(named names: [String]) async throws -> [Role] {
        var found: [Role] = []
        for name in names {
            if let role = try await get(name) { found.append(role) }
        }
        return found
    }

    public func put(_ role: Role, upsert: Bool) async throws {
        let value = try role.jsonData()
        if upsert {
            _ = try await backend.put(Self.prefix + role.name, value: value, expires: nil)
            return
        }
        let exists = PresetRoles.all.contains { $0.name == role.name }
        do {
            guard !exists else { throw JoinError.alreadyExists("") }
            _ = try await backend.create(Self.prefix + role.name, value: value, expires: nil)
        } catch let error as JoinError where error.kind == .alreadyExists {
            throw JoinError.alreadyExists("role \(role.name) already exists; use tctl create -f to replace it")
        }
    }

    public func delete(_ name: String) async throws {
        if PresetRoles.all.contains(where: { $0.name == name }) {
            throw JoinError.badParameter("role \(name) is a preset role and cannot be removed; replace it with tctl create -f instead")
        }
        do {
            try await backend.delete(Self.prefix + name)
        } catch let error as JoinError where error.kind == .notFound {
            throw JoinError.notFound("role \(UntrustedString.sanitize(name)) not found")
        }
    }

    private static func decode(_ item: BackendItem) throws -> Role {
        do {
            return try Role(document: item.value)
        } catch {
            throw JoinError.internalError("the stored role \(item.key) cannot be read: \(error)")
        }
    }
}
