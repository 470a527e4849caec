/// The shape of an OIDC method's token section (`spec.github`, `spec.gitlab`, …): its
/// settings and the fields of its allow rules, each tied to the claim it reads.
///
/// A method declares its schema; ``OIDCTokenSection`` reads any section by it, with the same
/// strictness and messages for every method, and builds the ``ClaimRule``s.
public struct OIDCSectionSchema: Sendable {
    /// How a setting is written.
    public enum SettingKind: Sendable, Equatable {
        case text
        case bool
        /// A JWKS document as a string (`static_jwks: |`), read when the token is created.
        case jwks
    }

    /// How an allow-rule field is written and compared.
    public enum RuleKind: Sendable, Equatable {
        /// A string compared exactly.
        case exact
        /// A string that may hold `*` and `?`.
        case glob
        /// A string compared exactly, or as a glob when the section's boolean setting is true
        /// (spacelift's `enable_glob_matching`).
        case globWhen(String)
        /// `true` or `false`.
        case bool
        /// A string the claim (a list) must hold.
        case member
    }

    /// One field of an allow rule.
    public struct RuleField: Sendable {
        public let name: String
        public let claim: String
        public let kind: RuleKind

        public init(_ name: String, claim: String? = nil, _ kind: RuleKind = .exact) {
            self.name = name
            self.claim = claim ?? name
            self.kind = kind
        }
    }

    /// The section's key in `spec` (`github`).
    public let key: String
    public let settings: [String: SettingKind]
    public let ruleFields: [RuleField]

    public init(key: String, settings: [String: SettingKind], ruleFields: [RuleField]) {
        self.key = key
        self.settings = settings
        self.ruleFields = ruleFields
    }

    /// The claims the rules read, for the audit.
    public var ruleClaims: [String] { ruleFields.map(\.claim) }
}
