import JoinCore
import Server

/// `teleport.storage`: the Auth server's backend, as in Teleport.
///
/// - `type: sqlite` (the default, also when the section is absent): one SQLite file under
///   `data_dir`, or at `path`.
/// - `type: postgresql` with `conn_string: postgresql://user@host:5432/database?sslmode=…`:
///   several Auth servers sharing one cluster state.
///
/// Settings that belong to the other type are refused rather than ignored, and `conn_string`
/// is parsed here, so a mistake is reported when the file is read, not when the database is
/// first needed. Errors never repeat the conn string (it may hold a password).
public struct StorageConfig: Sendable, Equatable, Decodable {
    /// Backend kinds this build can run.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case sqlite
        case postgresql
    }

    public var type: Kind
    /// `sqlite` only: a file for the database; `nil` means the default under `data_dir`.
    public var path: String?
    /// `postgresql` only: where the shared database is.
    public var connString: PostgreSQLConnectionString?

    public init(type: Kind = .sqlite, path: String? = nil, connString: PostgreSQLConnectionString? = nil) {
        self.type = type
        self.path = path
        self.connString = connString
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path
        case connString = "conn_string"
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
        let connText = try c.decodeIfPresent(String.self, forKey: .connString).flatMap { $0.isEmpty ? nil : $0 }

        switch type {
        case .sqlite:
            connString = nil
            if connText != nil {
                throw DecodingError.dataCorruptedError(forKey: .connString, in: c,
                    debugDescription: "conn_string is for type: postgresql; the sqlite backend takes an optional path")
            }
        case .postgresql:
            if path != nil {
                throw DecodingError.dataCorruptedError(forKey: .path, in: c,
                    debugDescription: "path is for type: sqlite; the postgresql backend is found through conn_string")
            }
            guard let connText else {
                throw DecodingError.dataCorruptedError(forKey: .connString, in: c,
                    debugDescription: "required for type: postgresql, e.g. postgresql://teleport@db.example.com:5432/teleport_backend?sslmode=verify-full")
            }
            do {
                connString = try PostgreSQLConnectionString(parsing: connText)
            } catch let error as JoinError {
                throw DecodingError.dataCorruptedError(forKey: .connString, in: c, debugDescription: error.message)
            }
        }
    }
}
