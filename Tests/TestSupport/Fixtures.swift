import Foundation

/// The test data kept in the repository under `Tests/Fixtures` (real AWS identity documents and
/// certificates, the AWS SigV4 test suite, Teleport's STS host list; `Tests/Fixtures/README.md`
/// says where each came from). Found from this file's path, so tests do not depend on the
/// working directory and need nothing outside the clone.
public enum Fixtures {
    /// `<package root>/Tests/Fixtures`.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // TestSupport
        .deletingLastPathComponent() // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The fixture file or folder at `path` (relative to `Tests/Fixtures`, e.g.
    /// `"sigv4/sts-hosts.txt"`); throws ``MissingFixture`` naming it when it is not there.
    public static func url(_ path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingFixture(path: path, url: url) }
        return url
    }

    /// The bytes of the fixture file at `path` (relative to `Tests/Fixtures`).
    public static func data(_ path: String) throws -> Data {
        try Data(contentsOf: url(path))
    }

    /// The text (UTF-8) of the fixture file at `path` (relative to `Tests/Fixtures`).
    public static func string(_ path: String) throws -> String {
        try String(contentsOf: url(path), encoding: .utf8)
    }

    /// The text (UTF-8) of the fixture file at `url`, a file under ``root`` (e.g. beside one
    /// found by walking a fixture folder); throws ``MissingFixture`` naming it when it is not there.
    public static func string(at url: URL) throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else {
            let rootPath = root.standardizedFileURL.path + "/"
            let full = url.standardizedFileURL.path
            throw MissingFixture(path: full.hasPrefix(rootPath) ? String(full.dropFirst(rootPath.count)) : full, url: url)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// A fixture a test needs is not in `Tests/Fixtures`.
public struct MissingFixture: LocalizedError, CustomStringConvertible {
    /// The path under `Tests/Fixtures`.
    public let path: String
    /// Where it was looked for.
    public let url: URL

    public var description: String {
        "missing test fixture Tests/Fixtures/\(path) (looked for \(url.path)); it is part of the repository, see Tests/Fixtures/README.md"
    }

    public var errorDescription: String? { description }
}
