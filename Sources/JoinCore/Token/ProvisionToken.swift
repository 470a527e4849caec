import Foundation

/// A provision token, `kind: token`, `version: v2` (spec §1): the permission to join with
/// certain roles through one join method. Encoded as YAML or JSON exactly as Teleport does,
/// so `tctl create -f token.yaml` files written for Teleport work here.
///
/// The core models only the fields every method shares (roles, `join_method`, `bot_name`,
/// suggested labels, expiry). Everything else in `spec` is a method's own section (`allow`
/// and `aws_iid_ttl` for the AWS methods, `bound_keypair`, ...), kept as written in
/// ``Spec/methodSections`` and decoded and validated by the method that owns it.
public struct ProvisionToken: Sendable, Equatable, Codable {
    public var kind: String
    public var version: String
    public var subKind: String?
    public var metadata: Metadata
    public var spec: Spec
    /// Server-owned state, kept as written; only methods read it (e.g. `bound_keypair`).
    public var status: [String: JSONValue]?

    public init(name: String, roles: [SystemRole], joinMethod: String = "", expires: Date? = nil) {
        self.kind = "token"
        self.version = "v2"
        self.subKind = nil
        self.metadata = Metadata(name: name, expires: expires)
        self.spec = Spec(roles: roles, joinMethod: joinMethod)
        self.status = nil
    }

    /// `metadata` of a resource.
    public struct Metadata: Sendable, Equatable, Codable {
        public var name: String
        public var expires: Date?
        public var labels: [String: String]?
        public var description: String?
        /// Where the token came from; `config-file` for static tokens.
        public var origin: String? { labels?["teleport.dev/origin"] }

        public init(name: String, expires: Date? = nil, labels: [String: String]? = nil, description: String? = nil) {
            self.name = name
            self.expires = expires
            self.labels = labels
            self.description = description
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, expires, labels, description, revision, namespace
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
            if let text = try c.decodeIfPresent(String.self, forKey: .expires) {
                guard let date = RFC3339.parse(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .expires, in: c,
                        debugDescription: "\"\(text)\" is not an RFC 3339 time such as 2026-01-02T15:04:05Z")
                }
                expires = date.timeIntervalSince1970 <= 0 ? nil : date
            }
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            description = try c.decodeIfPresent(String.self, forKey: .description)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            if let expires { try c.encode(RFC3339.format(expires), forKey: .expires) }
            if let labels, !labels.isEmpty { try c.encode(labels, forKey: .labels) }
            if let description { try c.encode(description, forKey: .description) }
        }
    }

    /// `spec`: who may join, as what, and how they prove it.
    public struct Spec: Sendable, Equatable, Codable {
        public var roles: [SystemRole]
        /// Empty until defaulted by validation (see ``JoinMethodSet/validate(_:)``).
        public var joinMethod: String
        public var botName: String
        public var suggestedLabels: JSONValue?
        public var suggestedAgentMatcherLabels: JSONValue?
        /// Per-method sections, by key (`allow`, `bound_keypair`, `github`, ...), as written.
        public var methodSections: [String: JSONValue]

        /// The join method a token written without `join_method` uses when none of its
        /// sections implies another (Teleport's default).
        public static let defaultJoinMethod = "token"

        public init(roles: [SystemRole], joinMethod: String = "", botName: String = "") {
            self.roles = roles
            self.joinMethod = joinMethod
            self.botName = botName
            self.suggestedLabels = nil
            self.suggestedAgentMatcherLabels = nil
            self.methodSections = [:]
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case roles, joinMethod = "join_method", botName = "bot_name"
            case suggestedLabels = "suggested_labels", suggestedAgentMatcherLabels = "suggested_agent_matcher_labels"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let rawRoles = try c.decodeIfPresent([String].self, forKey: .roles) ?? []
            do {
                roles = try SystemRole.parseList(rawRoles)
            } catch let error as JoinError {
                throw DecodingError.dataCorruptedError(forKey: .roles, in: c, debugDescription: error.message)
            }
            joinMethod = try c.decodeIfPresent(String.self, forKey: .joinMethod) ?? ""
            botName = try c.decodeIfPresent(String.self, forKey: .botName) ?? ""
            suggestedLabels = try c.decodeIfPresent(JSONValue.self, forKey: .suggestedLabels)
            suggestedAgentMatcherLabels = try c.decodeIfPresent(JSONValue.self, forKey: .suggestedAgentMatcherLabels)
            // Every other key is a method's section; validation rejects those no method owns.
            methodSections = try decoder.methodSections(excluding: Set(CodingKeys.allCases.map(\.rawValue)))
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(roles.map(\.rawValue), forKey: .roles)
            if !joinMethod.isEmpty { try c.encode(joinMethod, forKey: .joinMethod) }
            if !botName.isEmpty { try c.encode(botName, forKey: .botName) }
            try c.encodeIfPresent(suggestedLabels, forKey: .suggestedLabels)
            try c.encodeIfPresent(suggestedAgentMatcherLabels, forKey: .suggestedAgentMatcherLabels)
            var sections = encoder.container(keyedBy: AnyCodingKey.self)
            for key in methodSections.keys.sorted() {
                try sections.encode(methodSections[key]!, forKey: AnyCodingKey(key))
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, version, subKind = "sub_kind", metadata, spec, status
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "token"
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? "v2"
        subKind = try c.decodeIfPresent(String.self, forKey: .subKind)
        metadata = try c.decode(Metadata.self, forKey: .metadata)
        spec = try c.decode(Spec.self, forKey: .spec)
        status = try c.decodeIfPresent([String: JSONValue].self, forKey: .status)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(version, forKey: .version)
        if let subKind, !subKind.isEmpty { try c.encode(subKind, forKey: .subKind) }
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
        if let status, !status.isEmpty { try c.encode(status, forKey: .status) }
    }

    /// True when the token is past its `metadata.expires`.
    public func isExpired(at now: Date) -> Bool {
        guard let expires = metadata.expires else { return false }
        return expires <= now
    }
}
