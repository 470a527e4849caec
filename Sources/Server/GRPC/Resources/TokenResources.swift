import Foundation
import JoinCore

/// `kind: token` for tctl.
struct TokenResources: AdminResourceCollection {
    let tokens: TokenStore
    let kind = "token"

    func create(json: Data, upsert: Bool) async throws -> AdminResource {
        try resource(TokenStore.Found(token: try await tokens.create(try decode(ProvisionToken.self, from: json), upsert: upsert), revision: 0))
    }

    func get(name: String) async throws -> AdminResource { try resource(try await tokens.get(name: name)) }

    func list() async throws -> [AdminResource] { try await tokens.list().map(resource) }

    func delete(name: String) async throws { try await tokens.delete(name: name) }

    private func resource(_ found: TokenStore.Found) throws -> AdminResource {
        AdminResource(json: try encode(found.token), nameIsSecret: tokens.nameIsSecret(found.token), readOnly: found.isReadOnly)
    }
}

/// `kind: bot` for tctl.
struct BotResources: AdminResourceCollection {
    let bots: BotStore
    let kind = "bot"

    func create(json: Data, upsert: Bool) async throws -> AdminResource {
        AdminResource(json: try encode(try await bots.create(try decode(BotResource.self, from: json), upsert: upsert)))
    }

    func get(name: String) async throws -> AdminResource {
        guard let bot = try await bots.get(name: name) else {
            throw JoinError.notFound("bot \"\(UntrustedString.sanitize(name))\" not found")
        }
        return AdminResource(json: try encode(bot))
    }

    func list() async throws -> [AdminResource] { try await bots.list().map { AdminResource(json: try encode($0)) } }

    func delete(name: String) async throws { try await bots.delete(name: name) }
}

/// `kind: lock` for tctl.
struct LockResources: AdminResourceCollection {
    let locks: LockStore
    let kind = "lock"

    func create(json: Data, upsert: Bool) async throws -> AdminResource {
        AdminResource(json: try encode(try await locks.create(try decode(LockResource.self, from: json), upsert: upsert)))
    }

    func get(name: String) async throws -> AdminResource {
        guard let lock = try await locks.get(name: name) else {
            throw JoinError.notFound("lock \"\(UntrustedString.sanitize(name))\" not found")
        }
        return AdminResource(json: try encode(lock))
    }

    func list() async throws -> [AdminResource] { try await locks.list().map { AdminResource(json: try encode($0)) } }

    func delete(name: String) async throws { try await locks.delete(name: name) }
}

/// `kind: bot_instance` for tctl, read only: instances are created by joins. Named
/// `<bot>/<instance id>`; listing `bot_instance` with a name lists that bot's instances.
struct BotInstanceResources: AdminResourceCollection {
    let instances: BotInstanceStore
    let kind = "bot_instance"

    func create(json: Data, upsert: Bool) async throws -> AdminResource { throw readOnly("created") }

    func get(name: String) async throws -> AdminResource {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let instance = try await instances.get(botName: parts[0], instanceID: parts[1]) else {
            throw JoinError.notFound("bot instance \"\(UntrustedString.sanitize(name))\" not found; name it BOT/INSTANCE_ID")
        }
        return AdminResource(json: try encode(instance))
    }

    func list() async throws -> [AdminResource] { try await instances.list().map { AdminResource(json: try encode($0)) } }

    func delete(name: String) async throws { throw readOnly("managed") }
}
