import Foundation
import JoinCore

/// `tctl bots update NAME`: the changes Teleport's command makes to a bot, applied to the bot
/// resource as stored (a JSON value, so fields this tool does not know survive): roles set or
/// added, the `logins` trait set or added, `max_session_ttl`. Roles take effect at the bot's
/// next renewal or join.
public struct BotUpdate: Sendable, Equatable {
    public var setRoles: [String]?
    public var addRoles: [String] = []
    public var setLogins: [String]?
    public var addLogins: [String] = []
    public var maxSessionTTL: GoDuration?

    public init(setRoles: [String]? = nil, addRoles: [String] = [], setLogins: [String]? = nil, addLogins: [String] = [],
                maxSessionTTL: GoDuration? = nil) {
        self.setRoles = setRoles
        self.addRoles = addRoles
        self.setLogins = setLogins
        self.addLogins = addLogins
        self.maxSessionTTL = maxSessionTTL
    }

    /// Whether any change was asked for at all.
    public var isEmpty: Bool { self == BotUpdate() }

    /// `bot` with the changes; nil when they change nothing.
    public func applied(to bot: JSONValue) throws -> JSONValue? {
        guard case .object(var document) = bot, case .object(var spec) = document["spec"] ?? .object([:]) else {
            throw JoinError.badParameter("the stored bot is not a bot resource")
        }
        let roles = Self.strings(spec["roles"])
        let newRoles = Self.merged(current: roles, set: setRoles, add: addRoles)
        var traits: [JSONValue] = if case .array(let list)? = spec["traits"] { list } else { [] }
        let loginIndex = traits.firstIndex { $0["name"]?.stringValue == "logins" }
        let logins = loginIndex.map { Self.strings(traits[$0]["values"]) } ?? []
        let newLogins = Self.merged(current: logins, set: setLogins, add: addLogins)

        var changed = false
        if newRoles != roles {
            spec["roles"] = .array(newRoles.map(JSONValue.string))
            changed = true
        }
        if newLogins != logins {
            let trait = JSONValue.object(["name": .string("logins"), "values": .array(newLogins.map(JSONValue.string))])
            if let loginIndex {
                if newLogins.isEmpty { traits.remove(at: loginIndex) } else { traits[loginIndex] = trait }
            } else {
                traits.append(trait)
            }
            spec["traits"] = .array(traits)
            changed = true
        }
        if let maxSessionTTL, spec["max_session_ttl"]?.stringValue != maxSessionTTL.description {
            spec["max_session_ttl"] = .string(maxSessionTTL.description)
            changed = true
        }
        guard changed else { return nil }
        document["spec"] = .object(spec)
        return .object(document)
    }

    /// A comma-separated flag's entries, trimmed, without empty ones.
    public static func entries(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let values)? = value else { return [] }
        return values.compactMap(\.stringValue)
    }

    /// `set` (or the current list), then each of `add` not yet in it, in order, without repeats.
    private static func merged(current: [String], set: [String]?, add: [String]) -> [String] {
        var result: [String] = []
        for value in (set ?? current) + add where !result.contains(value) { result.append(value) }
        return result
    }
}
