import Foundation
import JoinCore

/// The server-owned `status.bound_keypair` of a token (spec §1.6): which key and bot instance
/// the token is bound to, how many recoveries were used, and the onboarding secret until the
/// first registration clears it.
///
/// Stored in the token's `status["bound_keypair"]` with Teleport's field names; times are
/// RFC 3339 strings. Only the join method's commits and an administrator's explicit override
/// (`tctl create` with a `status`) change it.
public struct BoundKeypairStatus: Sendable, Equatable {
    public var registrationSecret: String?
    /// The currently trusted key, as an authorized_keys line.
    public var boundPublicKey: String?
    public var boundBotInstanceID: String?
    /// The host an agent's token is bound to (Teleport 18.8+ agents).
    public var boundHostID: String?
    /// How many joins the bound host has made (Joinery's; Teleport has no equivalent). Every
    /// host join moves it on and the join state carries it, so a copy of the agent's storage,
    /// whose join state is older, is caught on its next join — what the bot instance's
    /// generation counter does for bots.
    public var boundHostGeneration: UInt64?
    /// Recoveries consumed; the first join counts as one.
    public var recoveryCount: UInt32
    public var lastRecoveredAt: Date?
    public var lastRotatedAt: Date?

    public init(registrationSecret: String? = nil, boundPublicKey: String? = nil, boundBotInstanceID: String? = nil,
                boundHostID: String? = nil, boundHostGeneration: UInt64? = nil, recoveryCount: UInt32 = 0, lastRecoveredAt: Date? = nil, lastRotatedAt: Date? = nil) {
        self.registrationSecret = registrationSecret
        self.boundPublicKey = boundPublicKey
        self.boundBotInstanceID = boundBotInstanceID
        self.boundHostID = boundHostID
        self.boundHostGeneration = boundHostGeneration
        self.recoveryCount = recoveryCount
        self.lastRecoveredAt = lastRecoveredAt
        self.lastRotatedAt = lastRotatedAt
    }

    static let path = "status.bound_keypair"

    /// The status of `token`; an empty status when it has none yet.
    public init(of token: ProvisionToken) throws {
        guard let stored = token.status?[BoundKeypairTokenSpec.sectionKey] else {
            self.init()
            return
        }
        try self.init(json: stored)
    }

    /// Reads a `status.bound_keypair` object, rejecting unknown keys and malformed times.
    public init(json: JSONValue) throws {
        let written = try json.decode(Written.self, path: Self.path)
        self.init(registrationSecret: written.registrationSecret.nonEmpty,
                  boundPublicKey: written.boundPublicKey.nonEmpty,
                  boundBotInstanceID: written.boundBotInstanceID.nonEmpty,
                  boundHostID: written.boundHostID.nonEmpty,
                  boundHostGeneration: try written.boundHostGeneration.map {
                      guard $0 >= 0, $0 == $0.rounded(), $0 < 9e15 else {
                          throw JoinError.badParameter("\(Self.path).bound_host_generation must be a whole number, not \($0)")
                      }
                      return UInt64($0)
                  },
                  recoveryCount: try SectionFields.uint32(written.recoveryCount, path: "\(Self.path).recovery_count") ?? 0,
                  lastRecoveredAt: try SectionFields.time(written.lastRecoveredAt, path: "\(Self.path).last_recovered_at"),
                  lastRotatedAt: try SectionFields.time(written.lastRotatedAt, path: "\(Self.path).last_rotated_at"))
    }

    /// The bound key, parsed; `nil` when the token is not bound yet.
    public func boundKey() throws -> SSHPublicKey? {
        guard let line = boundPublicKey else { return nil }
        do {
            return try SSHPublicKey(authorizedKey: line)
        } catch let error as JoinError {
            throw JoinError.internalError("\(Self.path).bound_public_key cannot be read: \(error.message)")
        }
    }

    /// The object stored in the token's `status`.
    public var json: JSONValue {
        var fields: [String: JSONValue] = ["recovery_count": .number(Double(recoveryCount))]
        if let registrationSecret { fields["registration_secret"] = .string(registrationSecret) }
        if let boundPublicKey { fields["bound_public_key"] = .string(boundPublicKey) }
        if let boundBotInstanceID { fields["bound_bot_instance_id"] = .string(boundBotInstanceID) }
        if let boundHostID { fields["bound_host_id"] = .string(boundHostID) }
        if let boundHostGeneration { fields["bound_host_generation"] = .number(Double(boundHostGeneration)) }
        if let lastRecoveredAt { fields["last_recovered_at"] = .string(RFC3339.format(lastRecoveredAt)) }
        if let lastRotatedAt { fields["last_rotated_at"] = .string(RFC3339.format(lastRotatedAt)) }
        return .object(fields)
    }

    /// `token` with this status in place of its `status.bound_keypair`.
    public func stored(in token: ProvisionToken) -> ProvisionToken {
        var token = token
        var status = token.status ?? [:]
        status[BoundKeypairTokenSpec.sectionKey] = json
        token.status = status
        return token
    }

    private struct Written: Decodable {
        var registrationSecret: String?
        var boundPublicKey: String?
        var boundBotInstanceID: String?
        var boundHostID: String?
        var boundHostGeneration: Double?
        var recoveryCount: Double?
        var lastRecoveredAt: String?
        var lastRotatedAt: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case registrationSecret = "registration_secret", boundPublicKey = "bound_public_key"
            case boundBotInstanceID = "bound_bot_instance_id", boundHostID = "bound_host_id"
            case boundHostGeneration = "bound_host_generation"
            case recoveryCount = "recovery_count", lastRecoveredAt = "last_recovered_at", lastRotatedAt = "last_rotated_at"
        }

        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            registrationSecret = try c.decodeIfPresent(String.self, forKey: .registrationSecret)
            boundPublicKey = try c.decodeIfPresent(String.self, forKey: .boundPublicKey)
            boundBotInstanceID = try c.decodeIfPresent(String.self, forKey: .boundBotInstanceID)
            boundHostID = try c.decodeIfPresent(String.self, forKey: .boundHostID)
            boundHostGeneration = try c.decodeIfPresent(Double.self, forKey: .boundHostGeneration)
            recoveryCount = try c.decodeIfPresent(Double.self, forKey: .recoveryCount)
            lastRecoveredAt = try c.decodeIfPresent(String.self, forKey: .lastRecoveredAt)
            lastRotatedAt = try c.decodeIfPresent(String.self, forKey: .lastRotatedAt)
        }
    }
}
