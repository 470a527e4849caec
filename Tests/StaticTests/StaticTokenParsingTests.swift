import Foundation
import JoinCore
import StaticJoin
import XCTest

/// `auth_service.tokens` entries (spec §3): `roles:value`, or `roles:/absolute/file`.
final class StaticTokenParsingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("static-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func method(_ entries: [String]) throws -> any JoinMethod {
        try JoinMethodPlugin.staticTokens.makeMethod(
            PluginContext(authService: .object(["tokens": .array(entries.map(JSONValue.string))])))
    }

    private func tokens(_ entries: [String]) throws -> [ProvisionToken] {
        try XCTUnwrap(method(entries).tokenSource).allTokens()
    }

    /// The message of the ``JoinError`` making the method throws, or nil if it did not throw.
    private func failure(_ entries: [String]) -> String? {
        do {
            _ = try method(entries)
            return nil
        } catch {
            return (error as? JoinError)?.message ?? "unexpected error \(error)"
        }
    }

    private func writeFile(_ name: String, _ content: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: Literal values

    func testRolesAndValueAreParsed() throws {
        let parsed = try tokens(["proxy,node:xyz-secret"])
        XCTAssertEqual(parsed.map(\.metadata.name), ["xyz-secret"])
        XCTAssertEqual(parsed.first?.spec.roles, [.proxy, .node])
    }

    func testSplitsOnTheFirstColonOnly() throws {
        XCTAssertEqual(try tokens(["node:abc:def:ghi"]).map(\.metadata.name), ["abc:def:ghi"])
    }

    func testRolesAreCaseInsensitive() throws {
        XCTAssertEqual(try tokens(["PROXY,Node,trustedcluster:value-1"]).first?.spec.roles, [.proxy, .node, .trustedCluster])
    }

    func testEachEntryBecomesItsOwnToken() throws {
        let parsed = try tokens(["node:first-value", "proxy:second-value"])
        XCTAssertEqual(parsed.map(\.metadata.name), ["first-value", "second-value"])
        XCTAssertEqual(parsed.map(\.spec.roles), [[.node], [.proxy]])
    }

    func testRelativePathIsALiteralValue() throws {
        XCTAssertEqual(try tokens(["node:relative/path/token"]).map(\.metadata.name), ["relative/path/token"])
    }

    func testNoTokensConfiguredGivesNoTokens() throws {
        let method = try JoinMethodPlugin.staticTokens.makeMethod(PluginContext(authService: .object([:])))
        XCTAssertEqual(method.tokenSource?.allTokens().count, 0)
    }

    // MARK: Rejected entries

    func testInvalidRoleIsRejectedWithoutTheSecret() {
        let message = failure(["node,wizard:hunter2-secret"]) ?? ""
        XCTAssertTrue(message.contains("role wizard is not registered"), message)
        XCTAssertTrue(message.contains("auth_service.tokens[0]"), message)
        XCTAssertFalse(message.contains("hunter2-secret"), message)
    }

    func testEntryWithoutColonIsRejectedWithoutTheSecret() {
        let message = failure(["node:fine", "justasecretvalue"]) ?? ""
        XCTAssertTrue(message.hasPrefix("invalid static token spec at auth_service.tokens[1]"), message)
        XCTAssertFalse(message.contains("justasecretvalue"), message)
    }

    func testEmptyValueIsRejected() {
        let message = failure(["node:"]) ?? ""
        XCTAssertTrue(message.contains("the token value is empty"), message)
    }

    func testBotRoleIsRejected() {
        let message = failure(["node,bot:bot-secret-value"]) ?? ""
        XCTAssertTrue(message.contains("cannot carry the Bot role"), message)
        XCTAssertFalse(message.contains("bot-secret-value"), message)
    }

    func testDuplicateRoleIsRejected() {
        let message = failure(["node,NODE:dup-secret"]) ?? ""
        XCTAssertTrue(message.contains("duplicate role"), message)
        XCTAssertFalse(message.contains("dup-secret"), message)
    }

    func testNonStringEntryIsRejectedByPosition() {
        let context = PluginContext(authService: .object(["tokens": .array([.string("node:ok"), .number(5)])]))
        XCTAssertThrowsError(try JoinMethodPlugin.staticTokens.makeMethod(context)) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("auth_service.tokens[1]") ?? false, "\(error)")
        }
    }

    func testTokensThatAreNotAListAreRejected() {
        let context = PluginContext(authService: .object(["tokens": .string("node:secret-in-a-string")]))
        XCTAssertThrowsError(try JoinMethodPlugin.staticTokens.makeMethod(context)) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.contains("expected a list"), message)
            XCTAssertFalse(message.contains("secret-in-a-string"), message)
        }
    }

    // MARK: Token files

    func testAbsolutePathIsReadOneTokenPerLine() throws {
        let path = try writeFile("tokens", "  first-token  \n\nsecond-token\n\t third-token\t\n\n")
        let parsed = try tokens(["proxy,node:\(path)"])
        XCTAssertEqual(parsed.map(\.metadata.name), ["first-token", "second-token", "third-token"])
        XCTAssertTrue(parsed.allSatisfy { $0.spec.roles == [.proxy, .node] })
    }

    func testEmptyFileAddsNoTokens() throws {
        let path = try writeFile("empty", "  \n\n")
        XCTAssertEqual(try tokens(["node:\(path)"]).count, 0)
    }

    func testMissingFileNamesThePathButNoSecret() {
        let path = directory.appendingPathComponent("does-not-exist").path
        let message = failure(["node:other-secret-value", "proxy:\(path)"]) ?? ""
        XCTAssertTrue(message.contains(path), message)
        XCTAssertTrue(message.contains("auth_service.tokens[1]"), message)
        XCTAssertFalse(message.contains("other-secret-value"), message)
    }

    func testFileTokensAndLiteralTokensCombine() throws {
        let path = try writeFile("tokens", "from-file\n")
        XCTAssertEqual(try tokens(["node:literal", "proxy:\(path)"]).map(\.metadata.name), ["literal", "from-file"])
    }
}

/// Files written on Windows still give one token per line.
final class StaticTokenFileLineEndingTests: XCTestCase {
    func testCRLFTokenFileGivesOneTokenPerLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crlf-\(UUID().uuidString)")
        try "first-token-value\r\nsecond-token-value\r\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let method = try JoinMethodPlugin.staticTokens.makeMethod(
            PluginContext(authService: .object(["tokens": .array([.string("node:\(file.path)")])])))
        let names = method.tokenSource?.allTokens().map(\.metadata.name) ?? []
        XCTAssertEqual(names, ["first-token-value", "second-token-value"])
    }
}
