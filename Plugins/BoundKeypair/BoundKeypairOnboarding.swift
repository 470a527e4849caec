import Foundation
import JoinCore

/// The `bound_keypair` section a client joins with: `onboarding.bound_keypair` in tbot.yaml
/// (spec §8.9) or `teleport.join_params.bound_keypair` in an agent's teleport.yaml (Teleport
/// 18.8+). The prover's own settings section (``JoinCore/JoinParamsSection``): neither binary
/// knows anything of it but that the plugin declared it.
///
/// Two ways to prove the first join without a pre-registered key in storage, and one to skip
/// storage altogether:
/// - a registration secret, resolved when the client joins with Teleport's precedence: the
///   file (trimmed) over the inline value over, for tbot, `TBOT_REGISTRATION_SECRET`;
/// - a static key (``StaticBoundKey``): a private key kept outside the client's storage, whose
///   public half is the token's `initial_public_key` (the token must use the insecure mode).
///
/// The field names of both files are read in either (``Field``). Writing two ways at once is
/// an error. No secret appears in an error, a log line or this type's descriptions.
public struct BoundKeypairOnboarding: Sendable, Equatable {
    public static let secretEnvironmentVariable = "TBOT_REGISTRATION_SECRET"
    public static let staticKeyEnvironmentVariable = "TBOT_BOUND_KEYPAIR_STATIC_KEY"

    /// The section's field names. tbot.yaml and an agent's teleport.yaml name the inline secret
    /// and the static key's file differently (`registration_secret` / `registration_secret_value`,
    /// `static_private_key_path` / `static_key_path`); either spelling is read in either file, and
    /// messages name the one written.
    enum Field {
        static let secret = ["registration_secret", "registration_secret_value"]
        static let secretPath = "registration_secret_path"
        static let staticKeyPath = ["static_private_key_path", "static_key_path"]
        static let all = secret + [secretPath] + staticKeyPath
    }

    /// Whether the section belongs to tbot (found under `onboarding`), the only client that reads
    /// `TBOT_REGISTRATION_SECRET` and `TBOT_BOUND_KEYPAIR_STATIC_KEY`.
    static func readsTbotEnvironment(path: [String]) -> Bool { path.first != "teleport" }

    /// The inline registration secret.
    public var registrationSecret: String?
    /// `registration_secret_path`: a file holding the secret.
    public var registrationSecretPath: String?
    /// The file holding a static private key.
    public var staticKeyPath: String?

    public init(registrationSecret: String? = nil, registrationSecretPath: String? = nil, staticKeyPath: String? = nil) {
        self.registrationSecret = registrationSecret
        self.registrationSecretPath = registrationSecretPath
        self.staticKeyPath = staticKeyPath
    }

    /// Reads the section at `path`: unknown keys, wrong types and two ways of onboarding at
    /// once are errors naming the field.
    init(section: JSONValue, path: [String]) throws {
        let field = path.joined(separator: ".")
        guard case .object(let fields) = section else {
            throw JoinError.badParameter("\(field): expected a mapping with registration_secret, registration_secret_path or a static key path")
        }
        for key in fields.keys.sorted() where !Field.all.contains(key) {
            throw JoinError.badParameter(
                "unknown field \"\(field).\(UntrustedString.sanitize(key))\"; \(field) takes \(Field.all.joined(separator: ", "))")
        }
        func text(_ key: String) throws -> String? {
            guard let value = fields[key] else { return nil }
            switch value {
            case .null: return nil
            case .string(let text): return text.isEmpty ? nil : text
            // A secret of digits only reads as a YAML number; it is still the text written.
            case .number(let number) where number == number.rounded() && abs(number) < 1e15: return String(Int64(number))
            default: throw JoinError.badParameter("\(field).\(key): expected a string")
            }
        }
        var written: [(key: String, value: String)] = []
        for key in Field.all { if let value = try text(key) { written.append((key, value)) } }
        if written.count > 1 {
            throw JoinError.badParameter("\(field): only one of '\(written.map(\.key).joined(separator: "' and '"))' may be set")
        }
        let set = Dictionary(uniqueKeysWithValues: written)
        self.init(registrationSecret: Field.secret.lazy.compactMap { set[$0] }.first, registrationSecretPath: set[Field.secretPath],
                  staticKeyPath: Field.staticKeyPath.lazy.compactMap { set[$0] }.first)
        staticKeyField = Field.staticKeyPath.first { set[$0] != nil } ?? Field.staticKeyPath[0]
    }

    /// The name the static key's path was written under, for messages.
    var staticKeyField = Field.staticKeyPath[0]

    /// The key of the section under tbot's `onboarding:` (and `teleport.join_params`).
    public static let sectionKey = "bound_keypair"

    /// The section's declaration: strict config parsing accepts `bound_keypair:` and checks it
    /// when the file is read.
    static let joinParamsSection = JoinParamsSection(key: sectionKey) { section, path in
        _ = try BoundKeypairOnboarding(section: section, path: path)
    }

    /// The section in a prover's join parameters; the defaults when it is absent.
    public init(context: ProverContext) throws {
        guard let section = context.joinParams[Self.sectionKey] else {
            self.init()
            return
        }
        try self.init(section: section, path: context.joinParamsPath + [Self.sectionKey])
    }

    /// How a prover made with `context` proves its first join: a registration secret, a static
    /// key, or neither (a key already in storage). Files are read now, so a missing one is
    /// reported before anything is dialled.
    static func credential(for context: ProverContext) throws -> Credential {
        let field = (context.joinParamsPath + [sectionKey]).joined(separator: ".")
        return try BoundKeypairOnboarding(context: context).resolve(
            environment: readsTbotEnvironment(path: context.joinParamsPath) ? context.environment : [:], field: field)
    }

    /// What a client presents on its first join.
    enum Credential: Sendable {
        case none
        case registrationSecret(String)
        case staticKey(StaticBoundKey)

        var registrationSecret: String? {
            if case .registrationSecret(let secret) = self { return secret }
            return nil
        }
    }

    /// The credential configured in this section, or else in `environment`. `field` prefixes
    /// errors (e.g. `onboarding.bound_keypair`).
    func resolve(environment: [String: String], field: String) throws -> Credential {
        if let path = staticKeyPath {
            return .staticKey(try StaticBoundKey(path: path, field: "\(field).\(staticKeyField)"))
        }
        if let path = registrationSecretPath {
            return .registrationSecret(try Self.readSecretFile(path, field: "\(field).\(Field.secretPath)"))
        }
        if let registrationSecret { return .registrationSecret(registrationSecret) }
        if let encoded = environment[Self.staticKeyEnvironmentVariable], !encoded.isEmpty {
            return .staticKey(try StaticBoundKey(base64PEM: encoded, variable: Self.staticKeyEnvironmentVariable))
        }
        if let secret = environment[Self.secretEnvironmentVariable], !secret.isEmpty { return .registrationSecret(secret) }
        return .none
    }

    /// The registration secret a prover made with `context` presents, or `nil` when none is
    /// configured anywhere: the section, its file, or the context's environment.
    public static func registrationSecret(for context: ProverContext) throws -> String? {
        try credential(for: context).registrationSecret
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
        let source = staticKeyPath.map { "static key: \($0)" }
            ?? registrationSecretPath.map { "registration_secret_path: \($0)" }
            ?? (registrationSecret == nil ? "no registration secret" : "registration secret: <redacted>")
        return "bound_keypair(\(source))"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
