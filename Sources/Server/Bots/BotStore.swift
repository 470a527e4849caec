import Foundation
import JoinCore

/// Bots under `/bots/<name>` (`tctl create bot.yaml`, `tctl bots ls`).
public struct BotStore: Sendable {
    static let prefix = "/bots/"

    let backend: any Backend

    public init(backend: any Backend) {
        self.backend = backend
    }

    public func create(_ bot: BotResource, upsert: Bool) async throws -> BotResource {
        let checked = try bot.checked()
        let value = try JSONEncoder().encode(checked)
        if upsert {
            _ = try await backend.put(Self.prefix + checked.metadata.name, value: value, expires: nil)
        } else {
            do {
                _ = try await backend.create(Self.prefix + checked.metadata.name, value: value, expires: nil)
            } catch let error as JoinError where error.kind == .alreadyExists {
                throw JoinError.alreadyExists("bot \(checked.metadata.name) already exists; use tctl create -f to replace it")
            }
        }
        return checked
    }

    public func get(name: String) async throws -> BotResource? {
        guard let item = try await backend.get(Self.prefix + name) else { return nil }
        return try decode(item.value)
    }

    /// The bot a join for `name` needs; a missing bot fails the join with what to do.
    func require(name: String) async throws -> BotResource {
        guard let bot = try await get(name: name) else {
            throw JoinError.accessDenied("bot \"\(UntrustedString.sanitize(name))\" does not exist; create it with tctl create bot.yaml")
        }
        return bot
    }

    public func list() async throws -> [BotResource] {
        try await backend.range(prefix: Self.prefix).map { try decode($0.value) }
    }

    public func delete(name: String) async throws {
        do {
            try await backend.delete(Self.prefix + name)
        } catch let error as JoinError where error.kind == .notFound {
            throw JoinError.notFound("bot \"\(UntrustedString.sanitize(name))\" not found")
        }
    }

    private func decode(_ data: Data) throws -> BotResource {
        do {
            return try JSONDecoder().decode(BotResource.self, from: data)
        } catch {
            throw JoinError.internalError("a stored bot could not be read: \(DecodingErrorDescription.describe(error))")
        }
    }
}
