import Foundation
import JoinCore

/// The `bound_keypair` checks of `tctl create` (spec §1.3, §8.1): one bot with its name, or
/// agents without one (Teleport 18.8+; a pre-registered key for agents only as a static key,
/// in the insecure mode), a well-formed `spec.bound_keypair` written back normalised, and a
/// readable status if one is given.
enum BoundKeypairTokenRules {
    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        let section = try BoundKeypairTokenSpec(of: token)
        if token.spec.roles.contains(.bot) {
            guard token.spec.roles == [.bot] else { throw BoundKeypairErrors.botMixedWithHostRoles(token.spec.roles) }
            guard !token.spec.botName.isEmpty else { throw BoundKeypairErrors.noBotName }
        } else {
            guard token.spec.botName.isEmpty else { throw BoundKeypairErrors.botNameOnHostToken }
            if section.onboarding.initialPublicKey != nil && section.recovery.mode != .insecure {
                throw BoundKeypairErrors.agentPreregisteredKey
            }
        }
        _ = try BoundKeypairStatus(of: token)
        var validated = token
        validated.spec.methodSections[BoundKeypairTokenSpec.sectionKey] = section.json
        return validated
    }
}

/// A token's `spec.bound_keypair` section (spec §8.1): how a bot onboards (a pre-registered
/// public key or a one-time registration secret), how many times it may recover, and when it
/// must rotate its key.
///
/// Decoding is two steps so every message is exact: ``Written`` takes the section as the
/// operator wrote it, rejecting unknown keys and wrong types; ``init(written:)`` then parses
/// times, the recovery mode and the public key. ``json`` writes the section back normalised
/// (defaults filled in, times in one format).
public struct BoundKeypairTokenSpec: Sendable, Equatable {
    /// How the first join proves itself.
    public struct Onboarding: Sendable, Equatable {
        /// A pre-registered key, as an authorized_keys line (spec §8.1 option A).
        public var initialPublicKey: SSHPublicKey?
        /// An explicit one-time secret (option B); generated when neither is set (§8.2).
        public var registrationSecret: String?
        /// The deadline for using the registration secret.
        public var mustRegisterBefore: Date?

        public init(initialPublicKey: SSHPublicKey? = nil, registrationSecret: String? = nil, mustRegisterBefore: Date? = nil) {
            self.initialPublicKey = initialPublicKey
            self.registrationSecret = registrationSecret
            self.mustRegisterBefore = mustRegisterBefore
        }
    }

    /// What is enforced when a bot joins without a current identity.
    public enum RecoveryMode: String, Sendable, Equatable, CaseIterable {
        /// The recovery limit is enforced and the join state is verified.
        case standard
        /// No limit; the join state is still verified.
        case relaxed
        /// Neither limit nor join state (static keys).
        case insecure

        /// Parses `standard`, `relaxed`, `insecure` or `""` (standard).
        public init(parsing text: String) throws {
            if text.isEmpty {
                self = .standard
            } else if let mode = RecoveryMode(rawValue: text) {
                self = mode
            } else {
                throw JoinError.badParameter("invalid recovery mode: \(UntrustedString.sanitize(text))")
            }
        }
    }

    /// `recovery`: the limit and the mode.
    public struct Recovery: Sendable, Equatable {
        /// How many recoveries (the first join included) `standard` mode allows.
        public var limit: UInt32
        public var mode: RecoveryMode

        public init(limit: UInt32 = 1, mode: RecoveryMode = .standard) {
            self.limit = limit
            self.mode = mode
        }
    }

    public var onboarding: Onboarding
    public var recovery: Recovery
    /// A key rotation is requested on the first join at or after this time.
    public var rotateAfter: Date?

    public init(onboarding: Onboarding = Onboarding(), recovery: Recovery = Recovery(), rotateAfter: Date? = nil) {
        self.onboarding = onboarding
        self.recovery = recovery
        self.rotateAfter = rotateAfter
    }

    static let sectionKey = "bound_keypair"
    static let path = "spec.bound_keypair"

    /// The section of `token`; a token without one gets the defaults (a generated secret).
    public init(of token: ProvisionToken) throws {
        guard let section = token.spec.methodSections[Self.sectionKey] else {
            self.init()
            return
        }
        try self.init(written: section.decode(Written.self, path: Self.path))
    }

    init(written: Written) throws {
        let onboarding = written.onboarding ?? Written.OnboardingFields()
        var key: SSHPublicKey?
        if let line = onboarding.initialPublicKey.nonEmpty {
            do {
                key = try SSHPublicKey(authorizedKey: line)
            } catch let error as JoinError {
                throw JoinError.badParameter(
                    "\(Self.path).onboarding.initial_public_key: \(error.message) (supported key types: ssh-ed25519, ecdsa-sha2-nistp256)")
            }
        }
        let recovery = written.recovery ?? Written.RecoveryFields()
        // A zero limit would make the token unusable; Teleport reads it as unset.
        let limit = try SectionFields.uint32(recovery.limit, path: "\(Self.path).recovery.limit").flatMap { $0 == 0 ? nil : $0 }
        self.init(
            onboarding: Onboarding(
                initialPublicKey: key,
                registrationSecret: onboarding.registrationSecret.nonEmpty,
                mustRegisterBefore: try SectionFields.time(onboarding.mustRegisterBefore, path: "\(Self.path).onboarding.must_register_before")),
            recovery: Recovery(limit: limit ?? 1, mode: try RecoveryMode(parsing: recovery.mode ?? "")),
            rotateAfter: try SectionFields.time(written.rotateAfter, path: "\(Self.path).rotate_after"))
    }

    /// The section as stored: every default written out, times as `2026-01-02T15:04:05Z`.
    public var json: JSONValue {
        var onboardingFields: [String: JSONValue] = [:]
        if let key = onboarding.initialPublicKey { onboardingFields["initial_public_key"] = .string(key.authorizedKey) }
        if let secret = onboarding.registrationSecret { onboardingFields["registration_secret"] = .string(secret) }
        if let deadline = onboarding.mustRegisterBefore { onboardingFields["must_register_before"] = .string(RFC3339.format(deadline)) }
        var section: [String: JSONValue] = [
            "recovery": .object(["limit": .number(Double(recovery.limit)), "mode": .string(recovery.mode.rawValue)]),
        ]
        if !onboardingFields.isEmpty { section["onboarding"] = .object(onboardingFields) }
        if let rotateAfter { section["rotate_after"] = .string(RFC3339.format(rotateAfter)) }
        return .object(section)
    }

    /// The section's keys and types, exactly as written.
    struct Written: Decodable {
        struct OnboardingFields: Decodable {
            var initialPublicKey: String?
            var registrationSecret: String?
            var mustRegisterBefore: String?

            init() {}

            enum CodingKeys: String, CodingKey, CaseIterable {
                case initialPublicKey = "initial_public_key", registrationSecret = "registration_secret"
                case mustRegisterBefore = "must_register_before"
            }

            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                initialPublicKey = try c.decodeIfPresent(String.self, forKey: .initialPublicKey)
                registrationSecret = try c.decodeIfPresent(String.self, forKey: .registrationSecret)
                mustRegisterBefore = try c.decodeIfPresent(String.self, forKey: .mustRegisterBefore)
            }
        }

        struct RecoveryFields: Decodable {
            var limit: Double?
            var mode: String?

            init() {}

            enum CodingKeys: String, CodingKey, CaseIterable { case limit, mode }

            init(from decoder: Decoder) throws {
                try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                limit = try c.decodeIfPresent(Double.self, forKey: .limit)
                mode = try c.decodeIfPresent(String.self, forKey: .mode)
            }
        }

        var onboarding: OnboardingFields?
        var recovery: RecoveryFields?
        var rotateAfter: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case onboarding, recovery, rotateAfter = "rotate_after"
        }

        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            onboarding = try c.decodeIfPresent(OnboardingFields.self, forKey: .onboarding)
            recovery = try c.decodeIfPresent(RecoveryFields.self, forKey: .recovery)
            rotateAfter = try c.decodeIfPresent(String.self, forKey: .rotateAfter)
        }
    }
}
