import Foundation
import JoinCore

/// A lock, `kind: lock`, `version: v2`: while it exists (and until `expires`), every join or
/// renewal that matches its target is refused with its message.
public struct LockResource: Sendable, Equatable, Codable {
    public var kind = "lock"
    public var version = "v2"
    public var name: String
    public var target: LockTarget
    public var message: String
    public var expires: Date?
    public var createdAt: Date?
    public var createdBy: String?

    public init(name: String, target: LockTarget, message: String, expires: Date? = nil, createdAt: Date?, createdBy: String?) {
        self.name = name
        self.target = target
        self.message = message
        self.expires = expires
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    private struct Document: Codable {
        var kind: String?
        var version: String?
        var metadata: Metadata
        var spec: Spec

        struct Metadata: Codable {
            var name: String?
            enum CodingKeys: String, CodingKey, CaseIterable { case name, labels, description, revision, namespace }
            init(name: String?) { self.name = name }
            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                name = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .name)
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(name, forKey: .name)
            }
        }

        struct Spec: Codable {
            var target: [String: String]
            var message: String?
            var expires: String?
            var createdAt: String?
            var createdBy: String?
            enum CodingKeys: String, CodingKey, CaseIterable {
                case target, message, expires, createdAt = "created_at", createdBy = "created_by"
            }
            init(target: [String: String], message: String?, expires: String?, createdAt: String?, createdBy: String?) {
                self.target = target
                self.message = message
                self.expires = expires
                self.createdAt = createdAt
                self.createdBy = createdBy
            }
            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                target = try c.decodeIfPresent([String: String].self, forKey: .target) ?? [:]
                message = try c.decodeIfPresent(String.self, forKey: .message)
                expires = try c.decodeIfPresent(String.self, forKey: .expires)
                createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
                createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy)
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, version, metadata, spec }
        init(kind: String, version: String, metadata: Metadata, spec: Spec) {
            self.kind = kind
            self.version = version
            self.metadata = metadata
            self.spec = spec
        }
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decodeIfPresent(String.self, forKey: .kind)
            version = try c.decodeIfPresent(String.self, forKey: .version)
            metadata = try c.decodeIfPresent(Metadata.self, forKey: .metadata) ?? Metadata(name: nil)
            spec = try c.decode(Spec.self, forKey: .spec)
        }
    }

    public init(from decoder: Decoder) throws {
        let document = try Document(from: decoder)
        guard (document.kind ?? "lock") == "lock" else { throw JoinError.badParameter("expected kind lock") }
        guard (document.version ?? "v2") == "v2" else { throw JoinError.badParameter("unsupported lock version; use v2") }
        guard document.spec.target.count == 1, let (key, value) = document.spec.target.first else {
            throw JoinError.badParameter("a lock's spec.target must name exactly one of join_token, bot_instance_id, server_id, role or user")
        }
        func time(_ text: String?, _ field: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = RFC3339.parse(text) else { throw JoinError.badParameter("spec.\(field): \"\(UntrustedString.sanitize(text))\" is not an RFC 3339 time") }
            return date
        }
        name = document.metadata.name ?? ""
        target = try LockTarget(key: key, value: value)
        message = document.spec.message ?? ""
        expires = try time(document.spec.expires, "expires")
        createdAt = try time(document.spec.createdAt, "created_at")
        createdBy = document.spec.createdBy
    }

    public func encode(to encoder: Encoder) throws {
        try Document(
            kind: kind, version: version, metadata: .init(name: name),
            spec: .init(target: [target.key: target.value], message: message.isEmpty ? nil : message,
                        expires: expires.map(RFC3339.format), createdAt: createdAt.map(RFC3339.format), createdBy: createdBy)
        ).encode(to: encoder)
    }

    /// The message a refused join gets; `targetDisplay` names the target safely (a token
    /// whose name is its secret is masked).
    public func refusal(targetDisplay: String) -> String {
        let reason = message.isEmpty ? "" : ": \(message)"
        return "\(target.key)=\(targetDisplay) is locked\(reason)"
    }
}
