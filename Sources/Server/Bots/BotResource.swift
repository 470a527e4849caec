import Foundation
import JoinCore

/// A bot, `kind: bot`, `version: v1`, as Teleport's bot.yaml writes it: a named machine
/// identity with roles (and traits). Joins for `spec.bot_name` need it to exist.
public struct BotResource: Sendable, Equatable, Codable {
    public var kind = "bot"
    public var version = "v1"
    public var metadata: Metadata
    public var spec: Spec

    public struct Metadata: Sendable, Equatable, Codable {
        public var name: String
        public var labels: [String: String]?
        public var description: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, labels, description, revision, namespace }

        public init(name: String) { self.name = name }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            description = try c.decodeIfPresent(String.self, forKey: .description)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(labels, forKey: .labels)
            try c.encodeIfPresent(description, forKey: .description)
        }
    }

    /// A named list of values the bot's certificates may carry (Teleport's traits).
    public struct Trait: Sendable, Equatable, Codable {
        public var name: String
        public var values: [String]
    }

    public struct Spec: Sendable, Equatable, Codable {
        public var roles: [String]
        public var traits: [Trait]
        /// The longest certificate lifetime the bot may ask for (Go duration), if limited.
        public var maxSessionTTL: GoDuration?

        enum CodingKeys: String, CodingKey, CaseIterable { case roles, traits, maxSessionTTL = "max_session_ttl" }

        public init(roles: [String] = [], traits: [Trait] = []) {
            self.roles = roles
            self.traits = traits
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            roles = try c.decodeIfPresent([String].self, forKey: .roles) ?? []
            traits = try c.decodeIfPresent([Trait].self, forKey: .traits) ?? []
            maxSessionTTL = try c.decodeIfPresent(GoDuration.self, forKey: .maxSessionTTL)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(roles, forKey: .roles)
            if !traits.isEmpty { try c.encode(traits, forKey: .traits) }
            try c.encodeIfPresent(maxSessionTTL, forKey: .maxSessionTTL)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, version, metadata, spec, status }

    public init(name: String, roles: [String] = []) {
        metadata = Metadata(name: name)
        spec = Spec(roles: roles)
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "bot"
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? "v1"
        metadata = try c.decode(Metadata.self, forKey: .metadata)
        spec = try c.decodeIfPresent(Spec.self, forKey: .spec) ?? Spec()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(version, forKey: .version)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
    }

    /// Checks what a stored bot must satisfy.
    public func checked() throws -> BotResource {
        guard kind == "bot" else { throw JoinError.badParameter("expected kind bot, got \(UntrustedString.sanitize(kind))") }
        guard version == "v1" else { throw JoinError.badParameter("unsupported bot version \(UntrustedString.sanitize(version)); use v1") }
        try BotResource.checkName(metadata.name)
        for role in spec.roles where role.isEmpty || role.contains(where: { $0.isWhitespace || $0 == "," }) {
            throw JoinError.badParameter("bot role names must be non-empty without spaces or commas, got \"\(UntrustedString.sanitize(role))\"")
        }
        return self
    }

    /// Bot names become user names (`bot-<name>`) and certificate fields.
    public static func checkName(_ name: String) throws {
        guard !name.isEmpty else { throw JoinError.badParameter("missing bot name: set metadata.name") }
        guard name.utf8.count <= 128,
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.@".unicodeScalars.contains($0)) }) else {
            throw JoinError.badParameter("bot name \"\(UntrustedString.sanitize(name))\" may contain only letters, digits and - _ . @ (at most 128)")
        }
    }
}
