import CLIKit
import CLISupport
import Foundation
import JoinCore
import XCTest

/// A token setting that is an absolute path is read from that file (spec §10).
final class SecretValueTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testLiteralValueIsItself() throws {
        XCTAssertEqual(try SecretValue.resolve("abc123", field: "--token"), "abc123")
        XCTAssertEqual(try SecretValue.resolve("relative/path", field: "--token"), "relative/path")
    }

    func testAbsolutePathIsReadAndTrimmed() throws {
        let path = directory.appendingPathComponent("token").path
        try "  s3cr3t-value\n\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SecretValue.resolve(path, field: "--token"), "s3cr3t-value")
    }

    func testConfigTokenFromFileIsResolved() throws {
        let path = directory.appendingPathComponent("join-token").path
        try "from-file-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        let config = try FileConfig.parse(yaml: "version: v3\nteleport:\n  join_params:\n    token_name: \(path)\n")
        XCTAssertEqual(try config.resolvedJoinToken(), "from-file-token")
    }

    func testMissingFileNamesThePathAndField() {
        let path = directory.appendingPathComponent("missing").path
        XCTAssertThrowsError(try SecretValue.resolve(path, field: "/etc/teleport.yaml: teleport.join_params.token_name")) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("/etc/teleport.yaml: teleport.join_params.token_name: cannot read the token file \(path)"),
                          message)
        }
    }

    func testEmptyFileIsAnErrorThatDoesNotEchoContents() throws {
        let path = directory.appendingPathComponent("empty").path
        try "  \n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SecretValue.resolve(path, field: "--token")) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("is empty") ?? false)
        }
    }

    func testLinesGiveOneValueEach() throws {
        let path = directory.appendingPathComponent("tokens").path
        try "one\ntwo\n\n three \n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SecretValue.resolveLines(path, field: "auth_service.tokens"), ["one", "two", "three"])
        XCTAssertEqual(try SecretValue.resolveLines("literal", field: "auth_service.tokens"), ["literal"])
    }
}
