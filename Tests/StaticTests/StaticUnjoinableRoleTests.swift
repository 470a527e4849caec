import Foundation
import JoinCore
import StaticJoin
import XCTest

/// Static tokens (`auth_service.tokens`) refuse roles no token may grant, naming the entry by
/// position and its roles, never its value, and before any token file is read.
final class StaticUnjoinableRoleTests: XCTestCase {
    private func failure(_ entries: [String]) -> JoinError? {
        do {
            _ = try JoinMethodPlugin.staticTokens.makeMethod(
                PluginContext(authService: .object(["tokens": .array(entries.map(JSONValue.string))])))
            return nil
        } catch {
            return error as? JoinError
        }
    }

    func testAnAdminStaticTokenIsRefusedWithoutShowingItsValue() throws {
        let error = try XCTUnwrap(failure(["node:fine-secret-value-01", "admin:admin-secret-value-02"]))
        XCTAssertEqual(error.kind, .badParameter)
        XCTAssertTrue(error.message.hasPrefix("invalid static token spec at auth_service.tokens[1] (roles \"Admin\"): role Admin cannot be granted by a join token"),
                      error.message)
        XCTAssertFalse(error.message.contains("admin-secret-value-02"))
    }

    func testAnAuthTokenFileIsRefusedBeforeTheFileIsRead() throws {
        let error = try XCTUnwrap(failure(["auth:/nonexistent/joinery/tokenfile"]))
        XCTAssertTrue(error.message.contains("auth_service.tokens[0] (roles \"Auth\"): role Auth cannot be granted by a join token"),
                      error.message)
        XCTAssertFalse(error.message.contains("cannot read"), "the role is refused before the file is opened")
    }

    func testAMixedEntryIsRefusedWhole() throws {
        let error = try XCTUnwrap(failure(["node,proxy,auth:mixed-secret-value-0123"]))
        XCTAssertTrue(error.message.contains("role Auth cannot be granted"), error.message)
    }
}
