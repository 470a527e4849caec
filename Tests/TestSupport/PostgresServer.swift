import Foundation
import Logging
import PostgresNIO

/// A throwaway PostgreSQL server on 127.0.0.1, started with `scripts/postgres start` into a
/// temporary directory and removed with ``stop()``.
///
/// Start one per test class (in `class func setUp`) and give each behaviour a database of its
/// own with ``createDatabase()``: creating a database takes milliseconds, starting a server
/// most of a second. There is no skipping: when PostgreSQL is not installed the error says so
/// (`scripts/install-deps` installs it, and CI runs that).
public final class PostgresServer: @unchecked Sendable {
    /// The scratch directory: data, socket and `postgres.log`.
    public let directory: URL
    public let port: Int
    /// The conn string of the `joinery` database (role `joinery`, trusted, no TLS).
    public let connString: String

    /// `scripts/postgres` in this checkout.
    public static let script: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres")

    /// Runs `scripts/postgres start` (initdb, start, wait until it accepts connections).
    ///
    /// - Throws: ``TestFailure`` with the script's own explanation when it fails, for
    ///   example because the PostgreSQL binaries are missing.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-pg-\(UUID().uuidString)")
        let result = try Command.run(Self.script, ["start", directory.path], timeout: 120)
        let conn = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, let port = Self.port(of: conn) else {
            _ = try? Command.run(Self.script, ["stop", directory.path], timeout: 60)
            throw TestFailure("cannot start a throwaway PostgreSQL with \(Self.script.path) (exit \(result.status)): \(result.stderr)")
        }
        self.port = port
        connString = conn
    }

    /// A conn string like ``connString`` for the database `name`.
    public func connString(database name: String) -> String {
        "postgresql://joinery@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// Creates a new, empty database `t_<uuid>` owned by `joinery` and returns its conn string.
    public func createDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name) OWNER joinery ENCODING 'UTF8'")
        return connString(database: name)
    }

    /// Runs one SQL statement as `joinery` (which may create databases) and returns the
    /// rows' first columns, which must be text (cast others with `::text`).
    @discardableResult
    public func execute(_ sql: String, database: String = "joinery") async throws -> [String] {
        var configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "joinery", password: nil, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.logger)
        do {
            var values: [String] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger) {
                let cell = row.first
                values.append(cell.flatMap { try? $0.decode(String.self) } ?? "")
            }
            try await connection.close()
            return values
        } catch {
            try? await connection.close()
            throw TestFailure("SQL \"\(sql)\" failed on the test PostgreSQL: \(String(reflecting: error))")
        }
    }

    /// Stops the server but keeps its data (`scripts/postgres down`), to simulate an outage.
    public func pause() throws {
        try runScript("down")
    }

    /// Starts a paused server again on the same port with the same data (`scripts/postgres up`).
    public func resume() throws {
        try runScript("up")
    }

    /// Stops the server and removes its directory; harmless when already stopped.
    public func stop() {
        _ = try? Command.run(Self.script, ["stop", directory.path], timeout: 60)
    }

    /// The server's log, for failure messages.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("postgres.log"), encoding: .utf8)) ?? ""
    }

    private func runScript(_ command: String) throws {
        let result = try Command.run(Self.script, [command, directory.path], timeout: 120)
        guard result.status == 0 else {
            throw TestFailure("scripts/postgres \(command) failed (exit \(result.status)): \(result.stderr)")
        }
    }

    private static func port(of connString: String) -> Int? {
        guard let colon = connString.range(of: "@127.0.0.1:"), let slash = connString[colon.upperBound...].firstIndex(of: "/") else {
            return nil
        }
        return Int(connString[colon.upperBound..<slash])
    }

    private static let logger = Logger(label: "joinery.tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}
