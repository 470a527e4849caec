import Foundation
import JoinCore
import Logging
import Server
import XCTest

/// `teleport.storage.conn_string`: what is accepted, what each mistake says, and that the
/// password never shows.
final class PostgreSQLConnectionStringTests: XCTestCase {
    private let password = "pa55-w0rd:/#secret"

    func testFullFormIsRead() throws {
        let parsed = try PostgreSQLConnectionString(
            parsing: "postgresql://teleport:s%40cret%2Fpw@db.example.com:6432/teleport_backend?sslmode=verify-full&pool_max_conns=8&connect_timeout=3")
        XCTAssertEqual(parsed.user, "teleport")
        XCTAssertEqual(parsed.password, "s@cret/pw", "percent-decoded")
        XCTAssertEqual(parsed.host, "db.example.com")
        XCTAssertEqual(parsed.port, 6432)
        XCTAssertEqual(parsed.database, "teleport_backend")
        XCTAssertEqual(parsed.sslMode, .verifyFull)
        XCTAssertEqual(parsed.poolMaxConnections, 8)
        XCTAssertEqual(parsed.connectTimeout, .seconds(3))
        XCTAssertEqual(parsed.endpoint, "db.example.com:6432")
    }

    func testDefaultsFollowLibpqExceptForTLS() throws {
        let parsed = try PostgreSQLConnectionString(parsing: "postgres://joinery@127.0.0.1")
        XCTAssertEqual(parsed.port, 5432)
        XCTAssertEqual(parsed.database, "joinery", "no database means the user's name")
        XCTAssertNil(parsed.password)
        XCTAssertEqual(parsed.sslMode, .verifyFull, "TLS with full verification unless sslmode says otherwise")
    }

    func testIPv6HostAndUnencodedSlashInPassword() throws {
        let parsed = try PostgreSQLConnectionString(parsing: "postgresql://u:a/b:c@[::1]:5433/db?sslmode=disable")
        XCTAssertEqual(parsed.host, "::1")
        XCTAssertEqual(parsed.port, 5433)
        XCTAssertEqual(parsed.password, "a/b:c")
        XCTAssertEqual(parsed.endpoint, "[::1]:5433")
        XCTAssertEqual(parsed.sslMode, .disable)
    }

    func testDescriptionLeavesOutThePassword() throws {
        let parsed = try PostgreSQLConnectionString(parsing: "postgresql://joinery:hunter2@db:5432/teleport?sslmode=require")
        XCTAssertEqual(parsed.description, "postgresql://joinery@db:5432/teleport?sslmode=require")
        XCTAssertFalse("\(parsed)".contains("hunter2"))
    }

    func testMalformedConnStringsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("mysql://u@h/db", "must start with postgresql:// or postgres://"),
            ("db.example.com:5432", "must start with postgresql://"),
            ("postgresql://h:5432/db", "names no user"),
            ("postgresql://@h/db", "user name before \"@\" is empty"),
            ("postgresql://u@/db", "names no host"),
            ("postgresql://u@h1,h2/db", "several hosts"),
            ("postgresql://u@h:0/db", "the port \"0\" is not a number from 1 to 65535"),
            ("postgresql://u@h:port/db", "the port \"port\""),
            ("postgresql://u@h:70000/db", "the port \"70000\""),
            ("postgresql://u@[::1/db", "no closing \"]\""),
            ("postgresql://u@::1:5432/db", "IPv6 address in brackets"),
            ("postgresql://u@h/db?sslmode=prefer", "sslmode=prefer is not supported"),
            ("postgresql://u@h/db?sslmode=allow", "falls back to an unencrypted connection"),
            ("postgresql://u@h/db?sslmode=on", "sslmode=on is not a TLS mode; choose one of disable, require, verify-ca, verify-full"),
            ("postgresql://u@h/db?application_name=x", "\"application_name\" is not supported; supported: sslmode"),
            ("postgresql://u@h/db?sslmode=disable&sslmode=require", "given twice"),
            ("postgresql://u@h/db?sslmode", "has no value"),
            ("postgresql://u@h/db?sslmode=", "is empty"),
            ("postgresql://u@h/db?pool_max_conns=0", "pool_max_conns=0 is not a whole number from 1 to 1000"),
            ("postgresql://u@h/db?connect_timeout=soon", "connect_timeout=soon"),
            ("postgresql://u@h/db?sslcert=/c.pem&sslmode=verify-full", "sslcert and sslkey go together"),
            ("postgresql://u@h/db?sslmode=disable&sslrootcert=/ca.pem", "sslmode=disable turns it off"),
            ("postgresql://u@h/db?sslmode=require&sslrootcert=/ca.pem", "use sslmode=verify-ca or verify-full"),
            ("postgresql://u@h/a/b", "contains \"/\""),
            ("postgresql://u%zz@h/db", "invalid percent-encoding"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try PostgreSQLConnectionString(parsing: text), text) { error in
                guard let error = error as? JoinError else { return XCTFail("\(text): \(error) is not a JoinError") }
                XCTAssertEqual(error.kind, .badParameter, text)
                XCTAssertTrue(error.message.hasPrefix("the PostgreSQL conn_string is malformed: "), error.message)
                XCTAssertTrue(error.message.contains(expected), "\(text): \(error.message)")
            }
        }
    }

    /// Whatever is wrong, and wherever the password sits, the message does not repeat it.
    func testThePasswordNeverAppearsInAnError() {
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let raw = "pa55-w0rd"
        let cases = [
            "postgresql://u:\(encoded)@h:99999/db",
            "postgresql://u:\(encoded)@/db",
            "postgresql://u:\(encoded)@h/db?sslmode=prefer",
            "postgresql://u:\(encoded)@h/db?bogus=1",
            "postgresql://u:\(raw)?x@h/db",
            "postgresql://u:\(raw)#x@h/db",
            "postgresql://u:\(raw)%zz@h/db",
            "postgresql://u:\(raw)@h1,h2/db",
            "mysql://u:\(raw)@h/db",
        ]
        for text in cases {
            XCTAssertThrowsError(try PostgreSQLConnectionString(parsing: text), text) { error in
                let message = (error as? JoinError)?.message ?? "\(error)"
                XCTAssertFalse(message.contains(raw), "\(text) leaked the password: \(message)")
                XCTAssertFalse(message.contains(encoded), "\(text) leaked the encoded password: \(message)")
            }
        }
    }

    /// TLS files are read when the backend opens, before any connection is tried.
    func testUnreadableTLSFilesAreNamed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-pg-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = directory.appendingPathComponent("ca.pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        let cases = [
            ("sslrootcert=/nonexistent/ca.pem", "sslrootcert file /nonexistent/ca.pem cannot be used: it does not exist"),
            ("sslrootcert=\(notPEM.path)", "sslrootcert file \(notPEM.path) cannot be used"),
            ("sslcert=/nonexistent/c.pem&sslkey=/nonexistent/k.pem", "sslcert file /nonexistent/c.pem"),
        ]
        for (parameters, expected) in cases {
            do {
                let backend = try await PostgreSQLBackend(
                    connString: "postgresql://u:\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)@127.0.0.1:1/db?sslmode=verify-full&\(parameters)",
                    clock: ManualClock(), logger: Logger(label: "test"))
                try? await backend.close()
                XCTFail("\(parameters) was accepted")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .badParameter, parameters)
                XCTAssertTrue(error.message.contains(expected), "\(parameters): \(error.message)")
                XCTAssertFalse(error.message.contains("pa55-w0rd"), error.message)
            }
        }
    }
}
