import JoinCore

/// One OIDC method's token section, read strictly by its ``OIDCSectionSchema``: unknown keys
/// and wrong types are refused with the field's full path (`spec.github.allow[0].repo`).
public struct OIDCTokenSection: OIDCTokenRules, Equatable {
    /// The settings as written (strings, booleans), without empty strings.
    public var settings: [String: JSONValue]
    /// Each allow rule's fields as written, without empty strings.
    public var allow: [[String: JSONValue]]

    public let schema: OIDCSectionSchema

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.schema.key == rhs.schema.key && lhs.settings == rhs.settings && lhs.allow == rhs.allow
    }

    public var auditedClaims: [String] { schema.ruleClaims }

    public init(_ value: JSONValue, schema: OIDCSectionSchema) throws {
        self.schema = schema
        let path = "spec.\(schema.key)"
        guard case .object(let fields) = value else { throw JoinError.badParameter("\(path): expected a map") }
        var settings: [String: JSONValue] = [:]
        var allow: [[String: JSONValue]] = []
        for key in fields.keys.sorted() {
            let field = fields[key]!
            if key == "allow" {
                allow = try Self.rules(field, schema: schema, path: "\(path).allow")
            } else if let kind = schema.settings[key] {
                if let checked = try Self.setting(field, kind: kind, path: "\(path).\(key)") { settings[key] = checked }
            } else {
                throw JoinError.badParameter("unknown field \"\(path).\(key)\"")
            }
        }
        self.settings = settings
        self.allow = allow
    }

    /// A text setting, nil when absent or empty.
    public func text(_ key: String) -> String? { settings[key]?.stringValue }

    /// A boolean setting, false when absent.
    public func flag(_ key: String) -> Bool { settings[key] == .bool(true) }

    /// The section as stored: settings and rules as read (defaults a method set included).
    public var json: JSONValue {
        var object = settings
        object["allow"] = .array(allow.map(JSONValue.object))
        return .object(object)
    }

    /// The rules, as conditions on claims.
    public var rules: [ClaimRule] {
        allow.map { rule in
            ClaimRule(schema.ruleFields.flatMap { field -> [ClaimCondition] in
                guard let value = rule[field.name] else { return [] }
                return conditions(field, value)
            })
        }
    }

    private func conditions(_ field: OIDCSectionSchema.RuleField, _ value: JSONValue) -> [ClaimCondition] {
        let text = value.stringValue ?? ""
        switch field.kind {
        case .exact: return [ClaimCondition(field: field.name, claim: field.claim, match: .exact(text))]
        case .glob: return [ClaimCondition(field: field.name, claim: field.claim, match: .glob(Glob(text)))]
        case .globWhen(let setting):
            let match: ClaimMatch = flag(setting) ? .glob(Glob(text)) : .exact(text)
            return [ClaimCondition(field: field.name, claim: field.claim, match: match)]
        case .bool:
            guard case .bool(let flag) = value else { return [] }
            return [ClaimCondition(field: field.name, claim: field.claim, match: .bool(flag))]
        case .member: return [ClaimCondition(field: field.name, claim: field.claim, match: .member(text))]
        }
    }

    private static func setting(_ value: JSONValue, kind: OIDCSectionSchema.SettingKind, path: String) throws -> JSONValue? {
        switch (kind, value) {
        case (_, .null): return nil
        case (.bool, .bool): return value
        case (.bool, _): throw JoinError.badParameter("\(path): expected true or false")
        case (.text, .string(let text)), (.jwks, .string(let text)):
            if text.isEmpty { return nil }
            if kind == .jwks {
                do { _ = try KeySet(jwks: Array(text.utf8)) } catch let error as JoinError {
                    throw JoinError.badParameter("\(path): \(error.message)")
                }
            }
            return value
        case (.text, .number), (.text, .bool):
            // An unquoted number or word in YAML (an organization ID) is still its text.
            return .string(ClaimText.scalar(value) ?? "")
        default: throw JoinError.badParameter("\(path): expected a string")
        }
    }

    private static func rules(_ value: JSONValue, schema: OIDCSectionSchema, path: String) throws -> [[String: JSONValue]] {
        if value == .null { return [] }
        guard case .array(let entries) = value else { throw JoinError.badParameter("\(path): expected a list") }
        let fields = Dictionary(uniqueKeysWithValues: schema.ruleFields.map { ($0.name, $0) })
        return try entries.enumerated().map { index, entry in
            let at = "\(path)[\(index)]"
            guard case .object(let written) = entry else { throw JoinError.badParameter("\(at): expected a map") }
            var rule: [String: JSONValue] = [:]
            for key in written.keys.sorted() {
                guard let field = fields[key] else { throw JoinError.badParameter("unknown field \"\(at).\(key)\"") }
                if let checked = try Self.ruleValue(written[key]!, kind: field.kind, path: "\(at).\(key)") { rule[key] = checked }
            }
            return rule
        }
    }

    private static func ruleValue(_ value: JSONValue, kind: OIDCSectionSchema.RuleKind, path: String) throws -> JSONValue? {
        switch (kind, value) {
        case (_, .null): return nil
        case (.bool, .bool): return value
        case (.bool, _): throw JoinError.badParameter("\(path): expected true or false")
        case (_, .string(let text)): return text.isEmpty ? nil : value
        case (_, .number), (_, .bool): return .string(ClaimText.scalar(value) ?? "")
        default: throw JoinError.badParameter("\(path): expected a string")
        }
    }
}
