import Foundation
import JoinCore

/// A place tbot keeps files, written `{type: directory, path: /var/lib/teleport/bot}`: its own
/// `storage` and every output's `destination`.
///
/// Teleport also knows `memory` and `kubernetes_secret` destinations; this build writes only
/// directories, and says so by name instead of silently keeping credentials nowhere.
public struct DirectoryDestination: Sendable, Equatable, Decodable {
    public static let supportedType = "directory"

    /// An absolute or relative directory path, as written.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    public var url: URL { URL(fileURLWithPath: path) }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        guard type == Self.supportedType else {
            let memoryNote = type == "memory" ? " (memory storage would lose the bot's identity on every restart)" : ""
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: type.isEmpty
                    ? "missing: set type: directory"
                    : "type \"\(type)\" is not supported\(memoryNote); supported types: directory")
        }
        let path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        guard !path.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .path, in: c, debugDescription: "missing: a directory needs a path")
        }
        self.path = path
    }

    /// Parses the `--storage` value of `tbot keypair create`: a path or a `file://` URI.
    public init(uri: String) throws {
        var path = uri
        if let scheme = uri.range(of: "://") {
            guard uri[..<scheme.lowerBound] == "file" else {
                throw JoinError.badParameter(
                    "unsupported storage \"\(uri)\": only directories are supported (a path or file:///path)")
            }
            path = String(uri[scheme.upperBound...])
        }
        guard !path.isEmpty else { throw JoinError.badParameter("the storage path is empty") }
        self.path = path
    }
}
