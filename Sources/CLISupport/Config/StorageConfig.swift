import JoinCore

/// `teleport.storage`: the Auth server's backend. Only the embedded SQLite backend exists so
/// far; its file lives under `data_dir` unless `path` says otherwise.
public struct StorageConfig: Sendable, Equatable, Decodable {
    /// Backend kinds this build can run.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case sqlite
    }

    public var type: Kind
    /// A directory or file for the backend; `nil` means the default under `data_dir`.
    public var path: String?

    public init(type: Kind = .sqlite, path: String? = nil) {
        self.type = type
        self.path = path
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let written = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        if written.isEmpty {
            type = .sqlite
        } else if let kind = Kind(rawValue: written.lowercased()) {
            type = kind
        } else {
            let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown storage type \"\(written)\"; supported: \(known)")
        }
        path = try c.decodeIfPresent(String.self, forKey: .path).flatMap { $0.isEmpty ? nil : $0 }
    }
}
