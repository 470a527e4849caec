import CLISupport
import JoinCore
import XCTest

/// `teleport.diag_addr`: parsed strictly when the file is read, like every other field.
final class DiagnosticsConfigTests: XCTestCase {
    private func parseError(_ value: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try FileConfig.parse(yaml: "version: v3\nteleport:\n  diag_addr: \(value)\n", fileName: "/etc/teleport.yaml")
            XCTFail("diag_addr \(value) should be rejected", file: file, line: line)
            return ""
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    func testDiagAddrIsReadAsHostAndPort() throws {
        let config = try FileConfig.parse(yaml: "version: v3\nteleport:\n  diag_addr: \"127.0.0.1:3000\"\n")
        XCTAssertEqual(config.teleport.diagAddr, DiagnosticsAddress(host: "127.0.0.1", port: 3000))
        let v6 = try FileConfig.parse(yaml: "version: v3\nteleport:\n  diag_addr: \"[::1]:3000\"\n")
        XCTAssertEqual(v6.teleport.diagAddr?.host, "::1")
        XCTAssertEqual(v6.teleport.diagAddr?.description, "[::1]:3000")
    }

    func testNoDiagAddrServesNothing() throws {
        XCTAssertNil(try FileConfig.parse(yaml: "version: v3\n").teleport.diagAddr)
        XCTAssertNil(try FileConfig.parse(yaml: "version: v3\nteleport:\n  diag_addr: \"\"\n").teleport.diagAddr)
    }

    func testDiagAddrWithoutAPortIsRejectedWithItsFieldPath() {
        let message = parseError("127.0.0.1")
        XCTAssertTrue(message.hasPrefix("/etc/teleport.yaml: "), message)
        XCTAssertTrue(message.contains("teleport.diag_addr"), message)
        XCTAssertTrue(message.contains("has no port"), message)
    }

    func testDiagAddrWithAnInvalidPortIsRejected() {
        XCTAssertTrue(parseError("\"127.0.0.1:0\"").contains("not 1-65535"))
        XCTAssertTrue(parseError("\"127.0.0.1:http\"").contains("not 1-65535"))
        XCTAssertTrue(parseError("\"127.0.0.1:70000\"").contains("not 1-65535"))
    }

    func testDiagAddrWithAURLIsRejected() {
        XCTAssertTrue(parseError("\"http://127.0.0.1:3000\"").contains("is a URL"))
    }
}
