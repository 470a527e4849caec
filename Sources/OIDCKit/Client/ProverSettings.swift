import JoinCore

/// A joiner's settings for an OIDC method, read strictly from its section of
/// `teleport.join_params` or tbot's `onboarding` (`gitlab: {token_env_var_name: …}`).
public struct ProverSettings: Sendable {
    /// How a setting is written.
    public enum Kind: Sendable {
        case text
        /// A list of strings (a command and its arguments).
        case list
    }

    public let values: [String: JSONValue]

    /// Reads `section` (nil when absent); `path` names it in messages
    /// (`["teleport", "join_params", "gitlab"]`).
    public init(_ section: JSONValue?, path: [String], fields: [String: Kind]) throws {
        let at = path.joined(separator: ".")
        guard let section, section != .null else {
            values = [:]
            return
        }
        guard case .object(let written) = section else { throw JoinError.badParameter("\(at): expected a map") }
        var values: [String: JSONValue] = [:]
        for key in written.keys.sorted() {
            guard let kind = fields[key] else { throw JoinError.badParameter("unknown field \"\(at).\(key)\"") }
            switch (kind, written[key]!) {
            case (_, .null): continue
            case (.text, .string(let text)) where !text.isEmpty: values[key] = .string(text)
            case (.text, .string): continue
            case (.list, .array(let items)) where items.allSatisfy({ $0.stringValue != nil }): values[key] = .array(items)
            case (.text, _): throw JoinError.badParameter("\(at).\(key): expected a string")
            case (.list, _): throw JoinError.badParameter("\(at).\(key): expected a list of strings")
            }
        }
        self.values = values
    }

    /// Reads the section `key` of a prover's context.
    public init(_ context: ProverContext, key: String, fields: [String: Kind]) throws {
        try self.init(context.joinParams[key], path: context.joinParamsPath + [key], fields: fields)
    }

    public func text(_ key: String) -> String? { values[key]?.stringValue }

    public func list(_ key: String) -> [String]? {
        guard case .array(let items)? = values[key] else { return nil }
        return items.compactMap(\.stringValue)
    }

    /// The declaration that lets strict config parsing accept the section and check it on load.
    public static func joinParamsSection(key: String, fields: [String: Kind]) -> JoinParamsSection {
        JoinParamsSection(key: key) { section, path in
            _ = try ProverSettings(section, path: path, fields: fields)
        }
    }
}
