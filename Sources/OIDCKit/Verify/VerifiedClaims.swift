import JoinCore

/// The claims of an ID token whose signature, issuer, audience and times were checked.
public struct VerifiedClaims: Sendable, Equatable {
    public let issuer: String
    public let all: [String: JSONValue]

    public init(issuer: String, all: [String: JSONValue]) {
        self.issuer = issuer
        self.all = all
    }

    public subscript(name: String) -> JSONValue? { all[name] }

    /// The claim at `path` through nested objects; nil when any step is missing.
    public func value(at path: [String]) -> JSONValue? {
        guard let first = path.first else { return nil }
        var value = all[first]
        for key in path.dropFirst() { value = value?[key] }
        return value
    }

    /// The `sub` claim, when it is a string.
    public var subject: String? { all["sub"]?.stringValue }

    /// The facts an audit event gets: the issuer, the subject, and each of `names` the token
    /// has, as `claim.<name>`.
    public func auditFacts(_ names: [String]) -> [String: String] {
        var facts = ["oidc_issuer": issuer]
        for name in ["sub", "jti"] + names {
            if let value = all[name].flatMap(ClaimText.audit) { facts["claim.\(name)"] = value }
        }
        return facts
    }
}
