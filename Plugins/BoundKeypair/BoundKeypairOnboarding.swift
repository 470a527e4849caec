import Foundation
import JoinCore

/// `onboarding.bound_keypair` in tbot.yaml (spec §8.9): how a bot proves its first
/// bound-keypair join when no key was pre-registered. The prover's own settings section
/// (``JoinCore/JoinParamsSection``): tbot knows nothing of it but that the plugin declared it.
///
/// The secret is resolved when the bot joins, not when the file is read, with Teleport's
/// precedence: `registration_secret_path` (the file, trimmed) over `registration_secret` over
/// the environment variable `TBOT_REGISTRATION_SECRET`. Writing both config fields is an
/// error. The value never appears in an error, a log line or this type's descriptions.
public struct BoundKeypairOnboarding: Sendable, Equatable, Decodable {
    public static let secretEnvironmentVariable = "TBOT_REGISTRATION_SECRET"
    public static let staticKeyEnvironmentVariable = "TBOT_BOUND_KEYPAIR_STATIC_KEY"

    /// `registration_secret`, inline.
    public var registrationSecret: String?
    /// `registration_secret_path`: a file holding the secret.
    public var registrationSecretPath: String?

    public init(registrationSecret: String? = nil, registrationSecretPath: String? = nil) {
        self.registrationSecret = registrationSecret
        self.registrationSecretPath = registrationSecretPath
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case registrationSecret = "registration_secret", registrationSecretPath = "registration_secret_path"
        case staticPrivateKeyPath = "static_private_key_path"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        registrationSecret = try c.decodeTextIfPresent(forKey: .registrationSecret).nonEmpty
        registrationSecretPath = try c.decodeIfPresent(String.self, forKey: .registrationSecretPath).nonEmpty
        if registrationSecret != nil && registrationSecretPath != nil {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "only one of 'registration_secret' and 'registration_secret_path' may be set"))
        }
        if try c.decodeIfPresent(String.self, forKey: .staticPrivateKeyPath).nonEmpty != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .staticPrivateKeyPath, in: c, debugDescription: Self.staticKeysUnsupported)
        }
    }

    static let staticKeysUnsupported = "static bound keypairs are not supported yet; "
        + "remove static_private_key_path and onboard with `tbot keypair create` or a registration secret"

    /// The key of the section under tbot's `onboarding:` (and `teleport.join_params`).
    public static let sectionKey = "bound_keypair"

    /// The section's declaration: strict config parsing accepts `bound_keypair:` and checks it
    /// when the file is read.
    static let joinParamsSection = JoinParamsSection(key: sectionKey) { section, path in
        _ = try section.decode(BoundKeypairOnboarding.self, at: path)
    }

    /// The section in a prover's join parameters; the defaults when it is absent.
    public init(context: ProverContext) throws {
        guard let section = context.joinParams[Self.sectionKey] else {
            self.init()
            return
        }
        self = try section.decode(BoundKeypairOnboarding.self, at: context.joinParamsPath + [Self.sectionKey])
    }

    /// The registration secret a prover made with `context` presents, or `nil` when none is
    /// configured anywhere: the section, its file, or the context's environment.
    public static func registrationSecret(for context: ProverContext) throws -> String? {
        try BoundKeypairOnboarding(context: context).resolveRegistrationSecret(
            environment: context.environment, field: (context.joinParamsPath + [sectionKey]).joined(separator: "."))
    }

    /// The registration secret to present, or `nil` when none is configured anywhere.
    /// `field` prefixes errors (e.g. `onboarding.bound_keypair`).
    public func resolveRegistrationSecret(environment: [String: String], field: String) throws -> String? {
        if environment[Self.staticKeyEnvironmentVariable].nonEmpty != nil {
            throw JoinError.badParameter("\(Self.staticKeyEnvironmentVariable) is set: \(Self.staticKeysUnsupported)")
        }
        if let path = registrationSecretPath {
            return try Self.readSecretFile(path, field: "\(field).registration_secret_path")
        }
        return registrationSecret ?? environment[Self.secretEnvironmentVariable].nonEmpty
    }

    private static func readSecretFile(_ path: String, field: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JoinError.badParameter("\(field): cannot read the registration secret file \(path): \(FileErrorText.reason(error))")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw JoinError.badParameter("\(field): the registration secret file \(path) is empty")
        }
        return value
    }
}

extension BoundKeypairOnboarding: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let source = registrationSecretPath.map { "registration_secret_path: \($0)" }
            ?? (registrationSecret == nil ? "no registration secret" : "registration_secret: <redacted>")
        return "bound_keypair(\(source))"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
