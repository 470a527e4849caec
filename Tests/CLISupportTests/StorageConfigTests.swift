import CLISupport
import JoinCore
import Server
import XCTest

/// `teleport.storage`: SQLite by default, PostgreSQL with a conn string, and strict errors for
/// every mix-up between the two.
final class StorageConfigTests: XCTestCase {
    private let file = "/etc/teleport.yaml"

    private func storage(_ body: String) throws -> StorageConfig {
        try FileConfig.parse(yaml: "version: v3\nteleport:\n  storage:\n" + body, fileName: file, pluginAuthServiceKeys: []).teleport.storage
    }

    private func storageError(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try storage(body)
            XCTFail("expected the storage section to be rejected", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("/etc/teleport.yaml: "), error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }

    func testNoStorageSectionMeansSQLiteUnderDataDir() throws {
        let config = try FileConfig.parse(yaml: "version: v3\n")
        XCTAssertEqual(config.teleport.storage, StorageConfig(type: .sqlite, path: nil, connString: nil))
    }

    func testSQLiteWithAndWithoutPath() throws {
        XCTAssertEqual(try storage("    type: sqlite\n"), StorageConfig(type: .sqlite))
        XCTAssertEqual(try storage("    type: sqlite\n    path: /srv/joinery.sqlite\n"), StorageConfig(type: .sqlite, path: "/srv/joinery.sqlite"))
        XCTAssertEqual(try storage("    path: /srv/joinery.sqlite\n").type, .sqlite, "type defaults to sqlite")
    }

    func testPostgreSQLWithConnString() throws {
        let parsed = try storage("""
                type: postgresql
                conn_string: "postgresql://teleport:s3cret@db.internal:6432/teleport_backend?sslmode=verify-full&pool_max_conns=5"

            """)
        XCTAssertEqual(parsed.type, .postgresql)
        XCTAssertNil(parsed.path)
        let conn = try XCTUnwrap(parsed.connString)
        XCTAssertEqual(conn.host, "db.internal")
        XCTAssertEqual(conn.port, 6432)
        XCTAssertEqual(conn.user, "teleport")
        XCTAssertEqual(conn.password, "s3cret")
        XCTAssertEqual(conn.database, "teleport_backend")
        XCTAssertEqual(conn.sslMode, .verifyFull)
        XCTAssertEqual(conn.poolMaxConnections, 5)
        XCTAssertEqual(try storage("    type: PostgreSQL\n    conn_string: postgres://u@h/d?sslmode=disable\n").type, .postgresql)
    }

    func testUnknownTypeListsTheSupportedOnes() {
        XCTAssertEqual(storageError("    type: etcd\n"),
                       "/etc/teleport.yaml: field \"teleport.storage.type\": unknown storage type \"etcd\"; supported: sqlite, postgresql")
    }

    func testPostgreSQLNeedsAConnString() {
        let message = storageError("    type: postgresql\n")
        XCTAssertTrue(message.contains("field \"teleport.storage.conn_string\": required for type: postgresql"), message)
        XCTAssertTrue(message.contains("postgresql://"), "shows the form: \(message)")
    }

    func testConnStringWithSQLiteIsRejected() {
        let message = storageError("    conn_string: postgresql://u@h/d\n")
        XCTAssertTrue(message.contains("field \"teleport.storage.conn_string\": conn_string is for type: postgresql"), message)
    }

    func testPathWithPostgreSQLIsRejected() {
        let message = storageError("    type: postgresql\n    conn_string: postgresql://u@h/d\n    path: /srv/db\n")
        XCTAssertTrue(message.contains("field \"teleport.storage.path\": path is for type: sqlite"), message)
    }

    func testMalformedConnStringIsReportedWithoutThePassword() {
        let message = storageError("    type: postgresql\n    conn_string: postgresql://teleport:hunter2@db:5432x/teleport\n")
        XCTAssertTrue(message.contains("field \"teleport.storage.conn_string\": the PostgreSQL conn_string is malformed: the port \"5432x\""), message)
        XCTAssertFalse(message.contains("hunter2"), message)
        let prefer = storageError("    type: postgresql\n    conn_string: postgresql://teleport:hunter2@db/teleport?sslmode=prefer\n")
        XCTAssertTrue(prefer.contains("sslmode=prefer is not supported"), prefer)
        XCTAssertFalse(prefer.contains("hunter2"), prefer)
    }

    func testUnknownStorageKeyIsNamed() {
        XCTAssertEqual(storageError("    type: postgresql\n    conn_str: postgresql://u@h/d\n"),
                       "/etc/teleport.yaml: unknown field \"teleport.storage.conn_str\"")
    }
}
