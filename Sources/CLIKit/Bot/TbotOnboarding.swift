import Agent
import Foundation
import JoinCore

/// `onboarding:` in tbot.yaml (spec §8.9): which token and join method the bot presents, and
/// how it trusts the Auth server on its first join.
///
/// `token` is the token's value for the `token` method (the name is the secret) and the token
/// resource's name for the others; either may be an absolute path to a file holding it, as in
/// teleport.yaml. `ca_pins` and `ca_path` play the role of `teleport start --ca-pin`. Every
/// other key is a join method's own section (`bound_keypair:`), kept as written for its
/// prover; loading accepts only the sections a plugin declared (``JoinCore/JoinParamsSection``).
public struct TbotOnboarding: Sendable, Equatable, Decodable {
    public static let defaultJoinMethod = JoinParamsConfig.defaultMethod

    public var joinMethod: String
    /// The token setting as written; see ``resolvedToken(field:)``.
    public var token: String?
    public var caPins: [CAPin]
    /// A PEM file of CA certificates whose pins are trusted, in addition to ``caPins``.
    public var caPath: String?
    /// The join methods' own sections, by key, as written (`bound_keypair`).
    public var methodSections: [String: JSONValue]

    /// Where the method sections sit in tbot.yaml.
    public static let sectionsPath = ["onboarding"]

    public init(joinMethod: String = TbotOnboarding.defaultJoinMethod, token: String? = nil, caPins: [CAPin] = [],
                caPath: String? = nil, methodSections: [String: JSONValue] = [:]) {
        self.joinMethod = joinMethod
        self.token = token
        self.caPins = caPins
        self.caPath = caPath
        self.methodSections = methodSections
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case joinMethod = "join_method", token, caPins = "ca_pins", caPath = "ca_path"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        joinMethod = try c.decodeIfPresent(String.self, forKey: .joinMethod).nonEmpty ?? Self.defaultJoinMethod
        token = try c.decodeIfPresent(String.self, forKey: .token).nonEmpty
        caPins = try (c.decodeIfPresent(StringOrList.self, forKey: .caPins)?.values ?? []).map { text in
            do {
                return try CAPin(parsing: text)
            } catch let error as JoinError {
                throw DecodingError.dataCorruptedError(forKey: .caPins, in: c, debugDescription: error.message)
            }
        }
        caPath = try c.decodeIfPresent(String.self, forKey: .caPath).nonEmpty
        methodSections = try decoder.methodSections(excluding: Set(CodingKeys.allCases.map(\.rawValue)))
    }

    /// The token's value, read from its file when the setting is an absolute path.
    public func resolvedToken(field: String) throws -> String? {
        try token.map { try SecretValue.resolve($0, field: field) }
    }

    /// ``caPins`` plus the pin of every certificate in the ``caPath`` file (or, with neither,
    /// in the `SSL_CERT_FILE` bundle): see ``AuthServerPins``.
    public func resolvedCAPins(field: String) throws -> [CAPin] {
        try AuthServerPins.resolve(configured: caPins, caPath: caPath, field: field)
    }
}

extension TbotOnboarding: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings with the token masked: for the `token` method its name is the secret.
    public var description: String {
        "onboarding(join_method: \(joinMethod), token: \(token.map(SafeName.mask) ?? "none"), "
            + "ca_pins: \(caPins.count), ca_path: \(caPath ?? "none"), sections: \(methodSections.keys.sorted()))"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
