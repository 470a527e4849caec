import Foundation
import JoinCore
import OIDCKit

/// A `generic_oidc` token section (Teleport's shape): any issuer, the audience its tokens are
/// minted for, and rules over arbitrary claims: `must_match_fields` (every field, typed
/// equality, mirroring the token's structure) and `allow_any` (one of the entries, each a list
/// of `conditions` on dotted attributes with `eq`, `not_eq`, `in`, `not_in`).
///
/// Teleport's predicate `expression` entries are refused: Joinery has no predicate language,
/// and a rule it cannot evaluate must not be stored as if it could.
public struct GenericOIDCSection: OIDCTokenRules, Equatable {
    static let path = "spec.generic_oidc"
    static let settingKeys: Set<String> = ["issuer", "insecure_allow_http_issuer", "audience", "tls_ca", "static_jwks"]
    /// The largest integer a JSON number holds exactly.
    static let largestExactInteger = 9_007_199_254_740_991.0

    public let issuer: String
    public let audience: String
    public let allowsHTTP: Bool
    public let trustedRootsPEM: String?
    public let staticJWKS: String?
    /// `must_match_fields` as written.
    public let mustMatch: [String: JSONValue]
    /// `allow_any` as written.
    public let allowAny: [JSONValue]
    public let rules: [ClaimRule]

    public init(_ value: JSONValue) throws {
        guard case .object(let fields) = value else { throw JoinError.badParameter("\(Self.path): expected a map") }
        for key in fields.keys.sorted() where !Self.settingKeys.contains(key) && key != "must_match_fields" && key != "allow_any" {
            throw JoinError.badParameter("unknown field \"\(Self.path).\(key)\"")
        }
        func text(_ key: String) throws -> String? {
            switch fields[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text.isEmpty ? nil : text
            default: throw JoinError.badParameter("\(Self.path).\(key): expected a string")
            }
        }
        func failed(_ message: String) -> JoinError { .badParameter("\(Self.path): failed validation: \(message)") }
        switch fields["insecure_allow_http_issuer"] {
        case nil, .null?: allowsHTTP = false
        case .bool(let flag)?: allowsHTTP = flag
        default: throw JoinError.badParameter("\(Self.path).insecure_allow_http_issuer: expected true or false")
        }
        guard let issuer = try text("issuer") else { throw failed("issuer: must be set") }
        guard let url = URL(string: issuer), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false,
              scheme == "https" || (scheme == "http" && allowsHTTP) else {
            throw failed("issuer: must be an https:// URL (or http:// with insecure_allow_http_issuer: true)")
        }
        guard let audience = try text("audience") else { throw failed("audience: must be set") }
        self.issuer = issuer
        self.audience = audience
        trustedRootsPEM = try text("tls_ca")
        if let pem = trustedRootsPEM {
            do { try OIDCHTTPClient.checkTrustedRoots(pem) } catch let error as JoinError { throw failed("tls_ca: \(error.message)") }
        }
        staticJWKS = try text("static_jwks")
        if let jwks = staticJWKS {
            do { _ = try KeySet(jwks: Array(jwks.utf8)) } catch let error as JoinError { throw failed("static_jwks: \(error.message)") }
        }
        switch fields["must_match_fields"] {
        case nil, .null?: mustMatch = [:]
        case .object(let object)?: mustMatch = object
        default: throw JoinError.badParameter("\(Self.path).must_match_fields: expected a map")
        }
        switch fields["allow_any"] {
        case nil, .null?: allowAny = []
        case .array(let entries)?: allowAny = entries
        default: throw JoinError.badParameter("\(Self.path).allow_any: expected a list")
        }
        guard !mustMatch.isEmpty || !allowAny.isEmpty else {
            throw failed("at least one rule must exist between must_match_fields and allow_any")
        }
        let required = try Self.fieldConditions(mustMatch, path: [])
        let alternatives = try allowAny.enumerated().map { index, entry in
            try Self.conditions(of: entry, at: "\(Self.path).allow_any[\(index)]")
        }
        rules = alternatives.isEmpty ? [ClaimRule(required)] : alternatives.map { ClaimRule(required + $0) }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["issuer": .string(issuer), "audience": .string(audience)]
        if allowsHTTP { object["insecure_allow_http_issuer"] = .bool(true) }
        if let trustedRootsPEM { object["tls_ca"] = .string(trustedRootsPEM) }
        if let staticJWKS { object["static_jwks"] = .string(staticJWKS) }
        if !mustMatch.isEmpty { object["must_match_fields"] = .object(mustMatch) }
        if !allowAny.isEmpty { object["allow_any"] = .array(allowAny) }
        return .object(object)
    }

    public var auditedClaims: [String] {
        Array(Set(rules.flatMap { $0.conditions.compactMap { $0.claimPath.count == 1 ? $0.claimPath[0] : nil } })).sorted()
    }

    /// `must_match_fields`, flattened into typed equalities at each leaf's path.
    static func fieldConditions(_ fields: [String: JSONValue], path: [String]) throws -> [ClaimCondition] {
        try fields.keys.sorted().flatMap { key -> [ClaimCondition] in
            let at = path + [key]
            let shown = "\(Self.path).must_match_fields.\(at.joined(separator: "."))"
            switch fields[key]! {
            case .object(let nested) where nested.isEmpty:
                throw JoinError.badParameter("\(shown): an empty map checks nothing; give it the fields to match, or remove it")
            case .object(let nested): return try fieldConditions(nested, path: at)
            case .array: throw JoinError.badParameter("\(shown): lists are not supported in must_match_fields; use allow_any conditions with in")
            case .null: throw JoinError.badParameter("\(shown): expected a string, number, boolean or map")
            case .number(let number) where abs(number) > largestExactInteger:
                throw JoinError.badParameter("\(shown): numbers beyond 2^53-1 cannot be compared exactly")
            case let leaf: return [ClaimCondition(field: "must_match_fields.\(at.joined(separator: "."))", claimPath: at, match: .typed(leaf))]
            }
        }
    }

    /// One `allow_any` entry's conditions.
    static func conditions(of entry: JSONValue, at path: String) throws -> [ClaimCondition] {
        guard case .object(let fields) = entry else { throw JoinError.badParameter("\(path): expected a map") }
        if fields["expression"] != nil {
            throw JoinError.badParameter("\(path).expression: predicate expressions are not supported by Joinery; write the rule as conditions (attribute with eq, not_eq, in or not_in)")
        }
        for key in fields.keys.sorted() where key != "conditions" {
            throw JoinError.badParameter("unknown field \"\(path).\(key)\"")
        }
        guard case .array(let written)? = fields["conditions"], !written.isEmpty else {
            throw JoinError.badParameter("\(path): one of expression or conditions must be set")
        }
        return try written.enumerated().map { index, condition in
            try Self.condition(condition, at: "\(path).conditions[\(index)]")
        }
    }

    static func condition(_ value: JSONValue, at path: String) throws -> ClaimCondition {
        guard case .object(let fields) = value else { throw JoinError.badParameter("\(path): expected a map") }
        let operators = ["eq", "not_eq", "in", "not_in"]
        for key in fields.keys.sorted() where key != "attribute" && !operators.contains(key) {
            throw JoinError.badParameter("unknown field \"\(path).\(key)\"")
        }
        guard let attribute = fields["attribute"]?.stringValue, !attribute.isEmpty else {
            throw JoinError.badParameter("\(path).attribute: must be set")
        }
        let given = operators.filter { fields[$0] != nil }
        guard given.count == 1, let name = given.first, case .object(let operand)? = fields[name] else {
            throw JoinError.badParameter("\(path): exactly one of eq, not_eq, in or not_in must be set, as a map")
        }
        let match: ClaimMatch
        switch name {
        case "eq", "not_eq":
            guard operand.keys.sorted() == ["value"], let text = operand["value"].flatMap(ClaimText.scalar) else {
                throw JoinError.badParameter("\(path).\(name): expected {value: …}")
            }
            match = name == "eq" ? .exact(text) : .noneOf([text])
        default:
            guard operand.keys.sorted() == ["values"], case .array(let items)? = operand["values"] else {
                throw JoinError.badParameter("\(path).\(name): expected {values: [...]}")
            }
            let texts = items.compactMap(ClaimText.scalar)
            guard texts.count == items.count else { throw JoinError.badParameter("\(path).\(name).values: expected strings") }
            match = name == "in" ? .oneOf(texts) : .noneOf(texts)
        }
        return ClaimCondition(field: "\(attribute) \(name)", claimPath: attribute.split(separator: ".").map(String.init), match: match)
    }
}
