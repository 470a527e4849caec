import JoinCore

/// One entry of tbot.yaml's `services:` (or the legacy `outputs:`): credentials tbot writes for
/// other programs after every join or renewal.
///
/// Only `type: identity` exists so far: the bot's own key and certificates, written by
/// ``IdentityOutputWriter``. Any other type (Teleport's `application`, `kubernetes`, …) is an
/// error that lists what is supported, so a config written for Teleport fails loudly instead
/// of leaving a program without credentials.
public struct TbotOutput: Sendable, Equatable, Decodable {
    /// The output kinds this build can write.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case identity
    }

    public var kind: Kind
    public var destination: DirectoryDestination

    /// The identity directory examples name (`tctl bots add`, tbot's warnings), as Teleport's guides do.
    public static let exampleIdentityDirectory = "/opt/machine-id"

    public init(kind: Kind = .identity, destination: DirectoryDestination) {
        self.kind = kind
        self.destination = destination
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, destination
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        guard let kind = Kind(rawValue: type) else {
            let supported = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: (type.isEmpty ? "an output needs a type" : "output type \"\(type)\" is not supported")
                    + "; supported output types: \(supported)")
        }
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        self.kind = kind
        guard c.contains(.destination) else {
            throw DecodingError.dataCorruptedError(
                forKey: .destination, in: c, debugDescription: "missing: an identity output needs destination: {type: directory, path: …}")
        }
        destination = try c.decode(DirectoryDestination.self, forKey: .destination)
    }
}
